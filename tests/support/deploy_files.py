"""What the deployment tests share: paths, loaders, the contract's ports and env names.

No network and no Docker/Kubernetes here: every file is read from the repository and checked
against schemas that ship inside installed packages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from shop.launcher.specs import SERVICES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s" / "base"
K8S_OVERLAYS = DEPLOY / "k8s" / "overlays"
K8S_PRODUCTION = K8S_OVERLAYS / "production"
COMPOSE_FILE = DEPLOY / "compose.yaml"
COMPOSE_ENV_EXAMPLE = DEPLOY / ".env.example"
K8S_SECRETS_EXAMPLE = K8S_PRODUCTION / "secrets.env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

# Kubernetes versions the manifests must be valid for: the oldest we support (native gRPC
# probes are GA since 1.27) and the newest schema kubernetes-validate pins here.
K8S_VERSIONS = ("1.29.0", "1.37.0")

# A placeholder is empty or says REPLACE_ME; anything else in a template is a real value.
PLACEHOLDER = "REPLACE_ME"


@dataclass(frozen=True)
class Process:
    name: str
    module: str
    rest_port: int | None
    grpc_port: int | None
    rest_port_env: str | None
    grpc_port_env: str | None


# The contract's table of processes and ports (CONTRACT.md, "Processes and ports").
CONTRACT_PORTS: dict[str, tuple[int | None, int | None]] = {
    "gateway": (3000, None),
    "users": (3001, 50053),
    "products": (3002, 50051),
    "orders": (3003, 50052),
    "notifications": (3005, None),
}
# The store each process owns, by its env var (the worker's is optional: SQLite by default).
STORE_ENV = {
    "users": "MYSQL_URI",
    "products": "MONGODB_URI",
    "orders": "POSTGRESQL_URI",
    "notifications": "NOTIFICATION_DB_URI",
}
# Settings that carry credentials: never a literal value in a committed file.
SECRET_ENV = frozenset(
    {
        "JWT_SECRET",
        "GATEWAY_SECRET",
        "ADMIN_PASSWORD",
        "MYSQL_URI",
        "MONGODB_URI",
        "POSTGRESQL_URI",
        "PRODUCT_SQL_URI",
        "NOTIFICATION_DB_URI",
        "RABBITMQ_URL",
        "REDIS_URL",
    }
)


def processes() -> dict[str, Process]:
    """The platform's processes as the launcher (what `make run` starts) defines them."""
    return {
        name: Process(
            name=name,
            module=spec.module,
            rest_port=spec.rest_port_default,
            grpc_port=spec.grpc_port_default,
            rest_port_env=spec.rest_port_env,
            grpc_port_env=spec.grpc_port_env,
        )
        for name, spec in SERVICES.items()
    }


def documented_env_names() -> frozenset[str]:
    """Env names from the README's configuration table and docs/DECISIONS.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    decisions = (ROOT / "docs" / "DECISIONS.md").read_text(encoding="utf-8")
    pattern = re.compile(r"`([A-Z][A-Z0-9_]{2,})`")
    return frozenset(pattern.findall(table)) | frozenset(pattern.findall(decisions))


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [doc for doc in yaml.safe_load_all(fh) if doc]


def k8s_manifest_files() -> list[Path]:
    """Every Kubernetes manifest of the base (the kustomization is kustomize's, not the API's)."""
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def k8s_documents() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in k8s_manifest_files():
        for doc in load_yaml_documents(path):
            yield path, doc


def k8s_by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in k8s_documents() if doc.get("kind") == kind}


def compose_schema() -> dict[str, Any]:
    """The compose-spec JSON schema vendored by check-jsonschema (Apache-2.0)."""
    vendor = files("check_jsonschema.builtin_schemas.vendor")
    schema: dict[str, Any] = json.loads(vendor.joinpath("compose-spec.json").read_text("utf-8"))
    return schema


def parse_env_file(path: Path) -> tuple[dict[str, str], set[str]]:
    """KEY=VALUE lines (values as written), and the keys only mentioned as `# KEY=...`."""
    values: dict[str, str] = {}
    commented: set[str] = set()
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if match := re.fullmatch(r"#\s*([A-Z][A-Z0-9_]*)=.*", line):
            commented.add(match.group(1))
        elif line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"{path.name}: not KEY=VALUE: {raw!r}"
            values[key.strip()] = value
    return values, commented


def is_placeholder(value: str) -> bool:
    return value == "" or PLACEHOLDER in value


def pod_containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    """The containers of a Deployment's pod template."""
    result: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    return result


def pod_spec(deployment: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return result


def ports_by_name(container: dict[str, Any]) -> dict[str, int]:
    return {p["name"]: p["containerPort"] for p in container.get("ports", [])}


# Values an operator would put in deploy/.env: real-looking, URL-safe.
SAMPLE_COMPOSE_ENV = {
    "JWT_SECRET": "j" * 48,
    "GATEWAY_SECRET": "g" * 40,
    "MYSQL_ROOT_PASSWORD": "rootpw",
    "MYSQL_PASSWORD": "mysqlpw",
    "MONGO_PASSWORD": "mongopw",
    "POSTGRES_PASSWORD": "pgpw",
    "RABBITMQ_PASSWORD": "rabbitpw",
}


def compose_env_of(service: dict[str, Any]) -> dict[str, Any]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment is written as a mapping"
    return env
