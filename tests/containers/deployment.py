"""How compose and the Kubernetes manifests run each process, read from those files.

The container test starts every process with these settings and no copy of them: change
compose.yaml or a Deployment and the test runs the change. Manifests are read through the
deploy helpers (tests/support/deploy_files.py), the one place that knows their layout.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any

from pydantic_settings import BaseSettings

from shop.common.settings import CommonSettings
from tests.support.compose_interpolation import interpolate
from tests.support.deploy_files import COMPOSE_FILE, k8s_by_kind, load_yaml

PROBES = ("startupProbe", "readinessProbe", "livenessProbe")


@dataclass(frozen=True)
class Probe:
    """A Kubernetes probe: `GET path` on a port, or grpc.health.v1 on a port."""

    kind: str
    port: int
    path: str | None  # None: a gRPC probe


@dataclass(frozen=True)
class Deployed:
    """One process as compose and its Deployment run it."""

    name: str
    command: list[str]
    user: str
    read_only: bool
    tmpfs: dict[str, str | None]  # compose's tmpfs paths, sized as the k8s emptyDir is
    volumes: list[str]  # container paths of compose's named volumes
    cap_drop: list[str]
    no_new_privileges: bool
    init: bool
    grace_seconds: float
    memory_limit: str
    cpu_limit: str
    env: dict[str, str | None]  # compose's environment, interpolated
    healthcheck: list[str] | None  # compose's `CMD` test
    probes: list[Probe]
    pre_stop: list[str] | None
    depends_on: list[str]  # compose's, the shop processes only


def settings_class(name: str) -> type[CommonSettings]:
    """The settings class a process reads its environment with."""
    module = importlib.import_module(f"shop.{name}.settings")
    (cls,) = (
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, CommonSettings)
        and obj.__module__ == module.__name__
    )
    return cls


def port_settings(name: str) -> dict[str, int]:
    """Every port a process binds, by env name, with its default (e.g. GATEWAY_PORT: 3000)."""
    cls: type[BaseSettings] = settings_class(name)
    return {
        field.upper(): int(info.default)
        for field, info in cls.model_fields.items()
        if field.endswith("_port") and isinstance(info.default, int)
    }


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)", duration)
    assert match, f"a compose duration this test understands: {duration!r}"
    return float(match[1]) * {"ms": 0.001, "s": 1.0, "m": 60.0}[match[2]]


def _bytes(quantity: str) -> str:
    """A Kubernetes memory quantity ("64Mi") as podman writes it ("64m")."""
    return quantity.replace("Mi", "m").replace("Gi", "g")


def _cpus(quantity: str) -> str:
    """A Kubernetes CPU quantity ("500m", "1") as podman's --cpus ("0.5", "1")."""
    return str(int(quantity[:-1]) / 1000) if quantity.endswith("m") else quantity


def _probes(container: dict[str, Any]) -> list[Probe]:
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    found = []
    for kind in PROBES:
        probe = container.get(kind)
        if probe is None:
            continue
        if "httpGet" in probe:
            port = probe["httpGet"]["port"]
            found.append(Probe(kind, int(ports.get(port, port)), probe["httpGet"]["path"]))
        elif "grpc" in probe:
            found.append(Probe(kind, int(probe["grpc"]["port"]), None))
        else:
            raise AssertionError(f"{container['name']}: a {kind} this test cannot run: {probe}")
    return found


def deployed(name: str, compose_env: dict[str, str]) -> Deployed:
    """`name` as deployed; compose_env fills compose's ${VARIABLES} (the secrets)."""
    compose = interpolate(load_yaml(COMPOSE_FILE), compose_env)
    service = compose["services"][name]
    deployment = k8s_by_kind("Deployment")[name]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    security = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
    pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command")
    # Kubernetes runs preStop first, then SIGTERM: the process gets what is left of the grace.
    k8s_grace = pod.get("terminationGracePeriodSeconds", 30) - (
        float(pre_stop[1]) if pre_stop and pre_stop[0] == "sleep" else 0
    )
    test = service.get("healthcheck", {}).get("test")
    named = [v.split(":", 1)[1] for v in service.get("volumes", []) if not v.startswith((".", "/"))]
    limits = container["resources"]["limits"]
    empty_dirs = {v["name"]: v["emptyDir"] for v in pod.get("volumes", []) if "emptyDir" in v}
    sizes = {
        m["mountPath"]: _bytes(empty_dirs[m["name"]]["sizeLimit"])
        for m in container.get("volumeMounts", [])
        if "sizeLimit" in empty_dirs.get(m["name"], {})
    }
    return Deployed(
        name=name,
        command=service["command"],
        user=f"{security['runAsUser']}:{security['runAsGroup']}",
        read_only=bool(service.get("read_only")) or security["readOnlyRootFilesystem"],
        tmpfs={path: sizes.get(path) for path in service.get("tmpfs", [])},
        volumes=named,
        cap_drop=list(service.get("cap_drop", [])),
        no_new_privileges="no-new-privileges:true" in service.get("security_opt", []),
        init=bool(service.get("init")),
        grace_seconds=min(_seconds(service.get("stop_grace_period", "10s")), k8s_grace),
        memory_limit=_bytes(str(limits["memory"])),
        cpu_limit=_cpus(str(limits["cpu"])),
        env=dict(service.get("environment", {})),
        healthcheck=test[1:] if test and test[0] == "CMD" else None,
        probes=_probes(container),
        pre_stop=pre_stop,
        depends_on=[d for d in service.get("depends_on", {}) if "build" in compose["services"][d]],
    )


def k8s_commands() -> dict[str, list[list[str]]]:
    """Every command a Deployment runs in the image: the container's, exec probes, preStop."""
    commands: dict[str, list[list[str]]] = {}
    for name, deployment in k8s_by_kind("Deployment").items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            found = [container.get("command", []) + container.get("args", [])]
            hooks = [container.get(p, {}) for p in PROBES]
            hooks += container.get("lifecycle", {}).values()
            found += [hook["exec"]["command"] for hook in hooks if "exec" in hook]
            commands[name] = [c for c in found if c]
    return commands


def compose_commands(compose_env: dict[str, str]) -> dict[str, list[list[str]]]:
    """Every command compose runs in the shop image: each service's and its health check's."""
    compose = interpolate(load_yaml(COMPOSE_FILE), compose_env)
    commands: dict[str, list[list[str]]] = {}
    for name, service in compose["services"].items():
        if "build" not in service:
            continue  # a backing service's own image
        test = service.get("healthcheck", {}).get("test") or [None]
        found = [service["command"]] + ([test[1:]] if test[0] == "CMD" else [])
        commands[name] = found
    return commands
