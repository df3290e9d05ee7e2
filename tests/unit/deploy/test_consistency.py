"""Compose, Kubernetes and the launcher agree on processes, ports and settings."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from shop.common.settings import CommonSettings
from tests.support.deploy_files import (
    COMPOSE_FILE,
    CONTRACT_PORTS,
    K8S_SECRETS_EXAMPLE,
    k8s_by_kind,
    load_yaml,
    parse_env_file,
    processes,
)


def compose_env(name: str) -> set[str]:
    compose: dict[str, Any] = load_yaml(COMPOSE_FILE)
    return set(compose["services"][name].get("environment", {}))


def k8s_env(name: str) -> set[str]:
    deployment = k8s_by_kind("Deployment")[name]
    config = k8s_by_kind("ConfigMap")["shop-config"]["data"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return set(config) | {e["name"] for e in container.get("env", [])}


def test_the_launcher_runs_the_contract_processes() -> None:
    procs = processes()
    assert set(procs) == set(CONTRACT_PORTS)
    for name, process in procs.items():
        assert (process.rest_port, process.grpc_port) == CONTRACT_PORTS[name]
        assert process.module == f"shop.{name}"


def test_compose_and_k8s_run_the_same_processes_with_the_same_commands() -> None:
    compose: dict[str, Any] = load_yaml(COMPOSE_FILE)
    deployments = k8s_by_kind("Deployment")
    for name in processes():
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert container["command"] == compose["services"][name]["command"], name


def test_each_process_gets_the_same_settings_in_both() -> None:
    # The ConfigMap is shared by every pod, so Kubernetes may set more; never fewer.
    # Optional secret keys in Kubernetes; the demo catalog is a Compose-only convenience.
    compose_only = {"ADMIN_EMAIL", "ADMIN_PASSWORD", "SEED_DEMO_DATA"}
    for name in processes():
        missing = compose_env(name) - k8s_env(name) - compose_only
        assert not missing, f"{name}: set in compose only: {sorted(missing)}"


def test_k8s_secret_keys_cover_compose_credentials() -> None:
    keys, optional = parse_env_file(K8S_SECRETS_EXAMPLE)
    for name in processes():
        for env in compose_env(name):
            if env.endswith(("_URI", "_SECRET", "PASSWORD")) or env == "RABBITMQ_URL":
                assert env in set(keys) | optional, f"{env} ({name}) has no secret key in k8s"


def settings_fields(name: str) -> set[str]:
    """The env names a process reads: its settings class's fields, upper-cased."""
    module = importlib.import_module(f"shop.{name}.settings")
    classes = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, CommonSettings)
        and obj.__module__ == module.__name__
    ]
    assert len(classes) == 1, f"shop.{name}.settings defines one settings class"
    return {field.upper() for field in classes[0].model_fields}


def test_every_process_module_is_runnable() -> None:
    for process in processes().values():
        assert importlib.util.find_spec(f"{process.module}.__main__"), process.module


def test_every_setting_deployed_is_read_by_its_process() -> None:
    config = set(k8s_by_kind("ConfigMap")["shop-config"]["data"])
    for name in processes():
        fields = settings_fields(name)
        # The ConfigMap is shared: each process must read its own part, ignoring the rest.
        specific = (compose_env(name) | k8s_env(name)) - config
        assert specific <= fields, f"{name} does not read {sorted(specific - fields)}"
    read_by_someone = set().union(*(settings_fields(name) for name in processes()))
    assert config <= read_by_someone, sorted(config - read_by_someone)
