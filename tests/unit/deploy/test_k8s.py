"""deploy/k8s: every manifest valid for the pinned Kubernetes versions, and true to the contract.

Schemas come from kubernetes-validate (it bundles the Kubernetes JSON schemas per version);
strict mode rejects any field the API does not know.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]  # no stubs published
import pytest

from shop.common.settings import CommonSettings, SecretMissingError
from tests.support.deploy_files import (
    DEPLOY,
    K8S,
    K8S_PRODUCTION,
    K8S_SECRETS_EXAMPLE,
    K8S_VERSIONS,
    SECRET_ENV,
    STORE_ENV,
    documented_env_names,
    is_placeholder,
    k8s_by_kind,
    k8s_documents,
    k8s_manifest_files,
    load_yaml,
    parse_env_file,
    processes,
)

DOCUMENTS = [
    pytest.param(doc, id=f"{path.name}:{doc['kind']}/{doc['metadata']['name']}")
    for path, doc in k8s_documents()
]


def containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    return result


def pod_spec(deployment: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return result


def ports_by_name(container: dict[str, Any]) -> dict[str, int]:
    return {p["name"]: p["containerPort"] for p in container.get("ports", [])}


@pytest.fixture(scope="module")
def deployments() -> dict[str, dict[str, Any]]:
    return k8s_by_kind("Deployment")


@pytest.fixture(scope="module")
def config() -> dict[str, str]:
    data: dict[str, str] = k8s_by_kind("ConfigMap")["shop-config"]["data"]
    return data


@pytest.fixture(scope="module")
def kustomization() -> dict[str, Any]:
    doc: dict[str, Any] = load_yaml(K8S / "kustomization.yaml")
    return doc


@pytest.fixture(scope="module")
def production() -> dict[str, Any]:
    doc: dict[str, Any] = load_yaml(K8S_PRODUCTION / "kustomization.yaml")
    return doc


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("doc", DOCUMENTS)
def test_manifest_is_valid_kubernetes(doc: dict[str, Any], version: str) -> None:
    validated = kubernetes_validate.validate(doc, version, strict=True)
    assert validated == version.rsplit(".", 1)[0]


def test_strict_validation_does_catch_mistakes(deployments: dict[str, dict[str, Any]]) -> None:
    # Negative controls: a misspelt field and a wrong type are both refused.
    misspelt = copy.deepcopy(deployments["gateway"])
    containers(misspelt)[0]["readinesProbe"] = containers(misspelt)[0].pop("readinessProbe")
    wrong_type = copy.deepcopy(deployments["users"])
    containers(wrong_type)[0]["ports"][0]["containerPort"] = "3001"
    for doc in (misspelt, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(doc, K8S_VERSIONS[-1], strict=True)


def test_kustomization_lists_every_manifest(kustomization: dict[str, Any]) -> None:
    assert kustomization["resources"][0] == "namespace.yaml"
    assert set(kustomization["resources"]) == {p.name for p in k8s_manifest_files()}
    (namespace,) = k8s_by_kind("Namespace")
    assert kustomization["namespace"] == namespace
    for path, doc in k8s_documents():
        assert "namespace" not in doc["metadata"], f"{path.name}: kustomize sets the namespace"


def test_secret_is_generated_from_a_git_ignored_file(production: dict[str, Any]) -> None:
    (generator,) = production["secretGenerator"]
    assert generator["name"] == "shop-secrets"
    (env_file,) = generator["envs"]
    assert (K8S_PRODUCTION / f"{env_file}.example").is_file()
    ignored = (DEPLOY / ".gitignore").read_text(encoding="utf-8").split()
    assert f"{K8S_PRODUCTION.relative_to(DEPLOY)}/{env_file}" in ignored
    assert not k8s_by_kind("Secret"), "no Secret manifest with values is committed"


def test_image_is_set_by_kustomize(
    production: dict[str, Any], deployments: dict[str, dict[str, Any]]
) -> None:
    (image,) = production["images"]
    for deployment in deployments.values():
        for container in containers(deployment):
            assert container["image"] == image["name"]


def test_one_deployment_per_process_running_its_module(
    deployments: dict[str, dict[str, Any]],
) -> None:
    procs = processes()
    assert set(deployments) == set(procs)
    for name, process in procs.items():
        (container,) = containers(deployments[name])
        assert container["command"] == ["python", "-m", process.module]
        ports = ports_by_name(container)
        expected = {
            key: port
            for key, port in (("http", process.rest_port), ("grpc", process.grpc_port))
            if port is not None
        }
        if name == "gateway":
            expected["metrics"] = 9100  # GATEWAY_METRICS_PORT's default
        assert ports == expected, name


def test_every_served_port_has_probes(deployments: dict[str, dict[str, Any]]) -> None:
    for name, deployment in deployments.items():
        (container,) = containers(deployment)
        ports = ports_by_name(container)
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert kind in container, (name, kind)
        # Readiness checks what the process needs to serve; liveness and start-up only that
        # it answers (a database outage must not restart every pod).
        readiness = container["readinessProbe"]["httpGet"]
        assert readiness == {"path": "/health/ready", "port": "http"}, name
        alive = {"path": "/health", "port": "http"}
        assert container["startupProbe"]["httpGet"] == alive, name
        liveness = container["livenessProbe"]
        if "grpc" in ports:
            # grpc.health.v1 on the gRPC port, next to /health on the REST one.
            assert liveness["grpc"]["port"] == ports["grpc"], name
        else:
            assert liveness["httpGet"] == alive, name


def test_resources_are_bounded(deployments: dict[str, dict[str, Any]]) -> None:
    for name, deployment in deployments.items():
        for container in containers(deployment):
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) == {"cpu", "memory"}, name


def test_pods_are_locked_down(
    deployments: dict[str, dict[str, Any]], config: dict[str, str]
) -> None:
    for name, deployment in deployments.items():
        spec = pod_spec(deployment)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        # Service links would inject e.g. GATEWAY_PORT=tcp://... over the setting.
        assert spec["enableServiceLinks"] is False, name
        empty_dirs = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        for container in containers(deployment):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            for path in ("/tmp", config["DATA_DIR"]):
                assert mounts.get(path) in empty_dirs, f"{name}: {path} must be writable"


def test_services_match_deployments(deployments: dict[str, dict[str, Any]]) -> None:
    services = k8s_by_kind("Service")
    served = {name for name, d in deployments.items() if ports_by_name(containers(d)[0])}
    assert set(services) == served
    for name, service in services.items():
        deployment = deployments[name]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
        assert service["spec"]["selector"].items() <= labels.items()
        ports = ports_by_name(containers(deployment)[0])
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, name
            assert port["port"] == ports[port["targetPort"]], name


def test_every_service_autoscales_and_has_a_disruption_budget(
    deployments: dict[str, dict[str, Any]],
) -> None:
    hpas = k8s_by_kind("HorizontalPodAutoscaler")
    budgets = k8s_by_kind("PodDisruptionBudget")
    # The worker stays at one replica: its default SQLite dedupe table is per pod.
    services = set(deployments) - {"notifications"}
    assert set(hpas) == services and set(budgets) == services
    for name in services:
        hpa = hpas[name]
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert hpa["spec"]["minReplicas"] >= 2
        assert "replicas" not in deployments[name]["spec"], f"{name}: the HPA owns the count"
        metric = hpa["spec"]["metrics"][0]["resource"]
        assert containers(deployments[name])[0]["resources"]["requests"][metric["name"]]
        labels = deployments[name]["spec"]["selector"]["matchLabels"]
        assert budgets[name]["spec"]["selector"]["matchLabels"] == labels
        assert budgets[name]["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]


def test_config_has_the_contract_ports_and_addresses(config: dict[str, str]) -> None:
    services = k8s_by_kind("Service")
    for process in processes().values():
        if process.rest_port_env:
            assert config[process.rest_port_env] == str(process.rest_port)
        if process.grpc_port_env:
            assert config[process.grpc_port_env] == str(process.grpc_port)
    for prefix, name in (("USER", "users"), ("PRODUCT", "products"), ("ORDER", "orders")):
        ports = {p["name"]: p["port"] for p in services[name]["spec"]["ports"]}
        assert config[f"{prefix}_SERVICE_URL"] == f"http://{name}:{ports['http']}"
        assert config[f"{prefix}_SERVICE_GRPC"] == f"{name}:{ports['grpc']}"
    assert config["SHOP_ENV"] == "production"


def test_env_names_are_the_documented_ones(
    deployments: dict[str, dict[str, Any]], config: dict[str, str]
) -> None:
    documented = documented_env_names()
    assert set(config) <= documented
    secret_keys, optional_keys = parse_env_file(K8S_SECRETS_EXAMPLE)
    assert set(secret_keys) | optional_keys <= documented
    for name, deployment in deployments.items():
        for container in containers(deployment):
            names = {e["name"] for e in container.get("env", [])}
            assert names <= documented, (name, sorted(names - documented))
            assert {"JWT_SECRET", "GATEWAY_SECRET"} <= names, name
            if name in STORE_ENV:
                assert STORE_ENV[name] in names, name
            assert not (names & set(config)), f"{name}: a setting is set twice"


def test_secrets_only_come_from_the_secret(deployments: dict[str, dict[str, Any]]) -> None:
    secret_keys, optional_keys = parse_env_file(K8S_SECRETS_EXAMPLE)
    config = k8s_by_kind("ConfigMap")["shop-config"]["data"]
    assert not (set(config) & SECRET_ENV), "secrets belong in the Secret, not the ConfigMap"
    for name, deployment in deployments.items():
        for container in containers(deployment):
            for env in container.get("env", []):
                assert "value" not in env or env["name"] not in SECRET_ENV, (name, env)
                ref = env["valueFrom"]["secretKeyRef"]
                assert ref["name"] == "shop-secrets", name
                assert ref["key"] == env["name"], name
                if ref.get("optional"):
                    assert ref["key"] in optional_keys | set(secret_keys), name
                else:
                    assert ref["key"] in secret_keys, (name, ref["key"])


def test_secret_template_holds_placeholders_only() -> None:
    values, _ = parse_env_file(K8S_SECRETS_EXAMPLE)
    assert values, "the template lists the keys"
    for key, value in values.items():
        assert is_placeholder(value), f"{key} has a real-looking value in the template"
        if "://" in value:
            # An unreplaced URL fails at connect time: .invalid never resolves (RFC 6761).
            assert ".invalid" in value, key


def test_unreplaced_secret_placeholders_refuse_to_start() -> None:
    values, _ = parse_env_file(K8S_SECRETS_EXAMPLE)
    with pytest.raises(SecretMissingError):
        CommonSettings(
            shop_env="production",
            jwt_secret=values["JWT_SECRET"],
            gateway_secret="a-real-gateway-secret-0123456789",
        )
    with pytest.raises(SecretMissingError):
        CommonSettings(
            shop_env="production", jwt_secret="k" * 40, gateway_secret=values["GATEWAY_SECRET"]
        )


def test_no_literal_secrets_anywhere_in_the_manifests() -> None:
    pattern = re.compile(r"(password|secret|token)\s*[:=]\s*['\"]?[A-Za-z0-9+/_-]{8,}", re.I)
    overlay = [*K8S_PRODUCTION.glob("*.yaml")]
    for path in [*k8s_manifest_files(), K8S / "kustomization.yaml", *overlay]:
        text = Path(path).read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.lstrip().startswith("#"):
                continue
            assert not pattern.search(line) or "shop-secrets" in line, f"{path.name}: {line}"
