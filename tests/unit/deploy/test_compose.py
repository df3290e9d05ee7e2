"""deploy/compose.yaml: valid against the compose-spec schema, and true to the contract."""

from __future__ import annotations

import copy
import re
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs published
import pytest

from tests.support.compose_interpolation import (
    interpolate,
)
from tests.support.deploy_files import (
    CONTRACT_PORTS,
    SAMPLE_COMPOSE_ENV,
    STORE_ENV,
    compose_env_of,
    compose_schema,
    documented_env_names,
    processes,
)

BACKING_IMAGES = {
    "mysql": r"mysql:8(\.\d+)*",
    "mongodb": r"mongo:7(\.\d+)*",
    "postgres": r"postgres:16(\.\d+)*",
    "rabbitmq": r"rabbitmq:3(\.\d+)*-management",
    "redis": r"redis:7(\.[\w.-]+)*",
}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = compose_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(validator: jsonschema.Draft202012Validator, doc: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)
    ]


def test_compose_file_is_valid_against_the_compose_spec(
    compose: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    assert errors(validator, compose) == []


def test_compose_file_is_still_valid_once_interpolated(
    compose: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    assert errors(validator, interpolate(compose, SAMPLE_COMPOSE_ENV)) == []


def test_the_schema_check_does_catch_mistakes(
    compose: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    # A negative control: the validator is not vacuous.
    broken = copy.deepcopy(compose)
    broken["services"]["gateway"]["helthcheck"] = broken["services"]["gateway"]["healthcheck"]
    broken["services"]["users"]["depends_on"]["mysql"]["condition"] = "service_ready"
    assert len(errors(validator, broken)) >= 2


def test_every_process_runs_the_one_image_with_its_module(
    shop_services: dict[str, dict[str, Any]],
) -> None:
    images = {svc["image"] for svc in shop_services.values()}
    assert len(images) == 1
    for name, process in processes().items():
        assert shop_services[name]["command"] == ["python", "-m", process.module]
        assert shop_services[name]["build"]["context"] == ".."


def test_backing_services_are_the_contract_versions(compose: dict[str, Any]) -> None:
    for name, pattern in BACKING_IMAGES.items():
        assert re.fullmatch(pattern, compose["services"][name]["image"]), name
    assert set(compose["services"]) == set(processes()) | set(BACKING_IMAGES)


def test_only_the_gateway_publishes_a_port(compose: dict[str, Any]) -> None:
    published = {name for name, svc in compose["services"].items() if svc.get("ports")}
    assert published == {"gateway"}
    (port,) = interpolate(compose["services"]["gateway"]["ports"], {})
    assert port.rsplit(":", 1)[1] == "3000"


def test_every_process_has_the_contract_ports(shop_services: dict[str, dict[str, Any]]) -> None:
    for name, process in processes().items():
        env = compose_env_of(shop_services[name])
        assert (process.rest_port, process.grpc_port) == CONTRACT_PORTS[name]
        if process.rest_port_env:
            assert env[process.rest_port_env] == str(process.rest_port)
        if process.grpc_port_env:
            assert env[process.grpc_port_env] == str(process.grpc_port)


def test_peers_are_addressed_by_service_name_and_contract_port(
    shop_services: dict[str, dict[str, Any]],
) -> None:
    procs = processes()
    expected = {
        "USER_SERVICE_URL": f"http://users:{procs['users'].rest_port}",
        "PRODUCT_SERVICE_URL": f"http://products:{procs['products'].rest_port}",
        "ORDER_SERVICE_URL": f"http://orders:{procs['orders'].rest_port}",
        "USER_SERVICE_GRPC": f"users:{procs['users'].grpc_port}",
        "PRODUCT_SERVICE_GRPC": f"products:{procs['products'].grpc_port}",
        "ORDER_SERVICE_GRPC": f"orders:{procs['orders'].grpc_port}",
    }
    for name, svc in shop_services.items():
        env = compose_env_of(svc)
        for key, value in expected.items():
            assert env.get(key) == value, (name, key)


def test_env_names_are_the_documented_ones(shop_services: dict[str, dict[str, Any]]) -> None:
    documented = documented_env_names()
    for name, svc in shop_services.items():
        unknown = set(compose_env_of(svc)) - documented
        assert not unknown, f"{name} sets undocumented variables {sorted(unknown)}"


def test_each_service_gets_its_own_store(shop_services: dict[str, dict[str, Any]]) -> None:
    for name, svc in shop_services.items():
        env = compose_env_of(svc)
        stores = {key for key in STORE_ENV.values() if key in env}
        assert stores <= {STORE_ENV.get(name)}, name
    assert "mysql:3306" in compose_env_of(shop_services["users"])["MYSQL_URI"]
    assert "mongodb:27017" in compose_env_of(shop_services["products"])["MONGODB_URI"]
    assert "replicaSet=rs0" in compose_env_of(shop_services["products"])["MONGODB_URI"]
    assert "postgres:5432" in compose_env_of(shop_services["orders"])["POSTGRESQL_URI"]
    assert compose_env_of(shop_services["gateway"])["REDIS_URL"].startswith("redis://redis:6379")


def test_healthchecks_everywhere(compose: dict[str, Any]) -> None:
    procs = processes()
    for name, svc in compose["services"].items():
        check = svc["healthcheck"]
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name
        assert "start_period" in check and "retries" in check, name
        if name in procs:
            command = " ".join(check["test"][1:])
            # Readiness, not liveness: a process without its database gets no traffic.
            assert f"http://127.0.0.1:{procs[name].rest_port}/health/ready" in command, name


def test_dependencies_wait_for_health(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, svc in services.items():
        depends = svc.get("depends_on", {})
        assert isinstance(depends, dict), name
        for target, rule in depends.items():
            assert rule == {"condition": "service_healthy"}, (name, target)
            assert "healthcheck" in services[target], (name, target)
    assert set(services["gateway"]["depends_on"]) >= {"users", "products", "orders"}
    assert set(services["orders"]["depends_on"]) >= {"users", "products", "postgres"}
    assert "mysql" in services["users"]["depends_on"]
    assert "mongodb" in services["products"]["depends_on"]
    assert "rabbitmq" in services["notifications"]["depends_on"]


def test_data_lives_in_declared_named_volumes(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    used: set[str] = set()
    for svc in compose["services"].values():
        for mount in svc.get("volumes", []):
            source = mount.split(":", 1)[0]
            if not source.startswith((".", "/")):
                used.add(source)
    assert used == declared
    for name in ("mysql", "mongodb", "postgres", "rabbitmq", "notifications"):
        assert any(
            not m.startswith((".", "/")) for m in compose["services"][name].get("volumes", [])
        ), f"{name} keeps its data in a named volume"


def test_shop_containers_are_hardened(shop_services: dict[str, dict[str, Any]]) -> None:
    for name, svc in shop_services.items():
        assert svc["read_only"] is True, name
        assert "/tmp" in svc["tmpfs"], name
        assert svc["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in svc["security_opt"], name
        env = compose_env_of(svc)
        data_dir = env["DATA_DIR"]
        writable = set(svc["tmpfs"]) | {m.split(":")[1] for m in svc.get("volumes", [])}
        assert data_dir in writable, f"{name}: DATA_DIR must be writable"
