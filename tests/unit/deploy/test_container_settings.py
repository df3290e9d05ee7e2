"""What the container test reads from compose and the manifests, checked without podman."""

from __future__ import annotations

import pytest

from shop.launcher.specs import SERVICES
from tests.containers.deployment import Deployed, deployed, port_settings
from tests.containers.local_env import (
    Stores,
    compose_variables,
    local_env,
    non_loopback_addresses,
)
from tests.support.deploy_files import k8s_by_kind

STORES = Stores(
    mysql="mysql://root@127.0.0.1:3306/u",
    products="postgresql://postgres@127.0.0.1:5432/p",
    orders="postgresql://postgres@127.0.0.1:5432/o",
    rabbitmq="amqp://guest:guest@127.0.0.1:5672/",
    redis="redis://127.0.0.1:6379/0",
)


@pytest.fixture(scope="module")
def processes() -> dict[str, Deployed]:
    variables = compose_variables()
    return {name: deployed(name, variables) for name in SERVICES}


def test_compose_and_kubernetes_lock_containers_down_alike(
    processes: dict[str, Deployed],
) -> None:
    for name, process in processes.items():
        (container,) = k8s_by_kind("Deployment")[name]["spec"]["template"]["spec"]["containers"]
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert process.read_only and process.no_new_privileges, name
        assert process.cap_drop == container["securityContext"]["capabilities"]["drop"], name
        assert process.user == "10001:10001", name
        # The same paths are writable in both: compose's tmpfs and volumes, k8s' emptyDirs.
        assert {*process.tmpfs, *process.volumes} == mounts, name
        assert 0 < process.grace_seconds <= 30, name


def test_every_process_gets_loopback_addresses_and_no_default_port(
    processes: dict[str, Deployed],
) -> None:
    defaults = {default for name in SERVICES for default in port_settings(name).values()}
    ports = {env: 40000 + i for i, env in enumerate(sorted(_port_names()))}
    for name, process in processes.items():
        env = local_env(process, ports=ports, stores=STORES, run_id="t", admin=("a@b.c", "pw"))
        assert non_loopback_addresses(env) == [], name
        assert env["SHOP_ENV"] == "production" and len(env["JWT_SECRET"]) >= 32, name
        for key in port_settings(name):
            assert int(env[key]) not in defaults, (name, key)
        assert not {"MONGODB_URI"} & set(env), "no MongoDB here: the SQL document store"


def test_non_loopback_addresses_are_caught() -> None:
    env = {"USER_SERVICE_URL": "http://users:3001", "MYSQL_URI": "mysql://u:p@mysql:3306/x"}
    assert len(non_loopback_addresses(env)) == 2
    assert non_loopback_addresses({"REDIS_URL": "redis://127.0.0.1:6379/0"}) == []


def _port_names() -> set[str]:
    return {env for name in SERVICES for env in port_settings(name)}
