"""deploy/k8s: every manifest valid for the pinned Kubernetes versions, and true to the contract.

Schemas come from kubernetes-validate (it bundles the Kubernetes JSON schemas per version);
strict mode rejects any field the API does not know.
"""

from __future__ import annotations

import copy
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]  # no stubs published
import pytest

from tests.support.deploy_files import (
    K8S,
    K8S_SECRETS_EXAMPLE,
    K8S_VERSIONS,
    STORE_ENV,
    documented_env_names,
    k8s_by_kind,
    k8s_documents,
    k8s_manifest_files,
    load_yaml,
    parse_env_file,
    pod_containers,
    pod_spec,
    ports_by_name,
    processes,
)

DOCUMENTS = [
    pytest.param(doc, id=f"{path.name}:{doc['kind']}/{doc['metadata']['name']}")
    for path, doc in k8s_documents()
]


@pytest.fixture(scope="module")
def config() -> dict[str, str]:
    data: dict[str, str] = k8s_by_kind("ConfigMap")["shop-config"]["data"]
    return data


@pytest.fixture(scope="module")
def kustomization() -> dict[str, Any]:
    doc: dict[str, Any] = load_yaml(K8S / "kustomization.yaml")
    return doc


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("doc", DOCUMENTS)
def test_manifest_is_valid_kubernetes(doc: dict[str, Any], version: str) -> None:
    validated = kubernetes_validate.validate(doc, version, strict=True)
    assert validated == version.rsplit(".", 1)[0]


def test_strict_validation_does_catch_mistakes(deployments: dict[str, dict[str, Any]]) -> None:
    # Negative controls: a misspelt field and a wrong type are both refused.
    misspelt = copy.deepcopy(deployments["gateway"])
    pod_containers(misspelt)[0]["readinesProbe"] = pod_containers(misspelt)[0].pop("readinessProbe")
    wrong_type = copy.deepcopy(deployments["users"])
    pod_containers(wrong_type)[0]["ports"][0]["containerPort"] = "3001"
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


def test_image_is_set_by_kustomize(
    production: dict[str, Any], deployments: dict[str, dict[str, Any]]
) -> None:
    (image,) = production["images"]
    for deployment in deployments.values():
        for container in pod_containers(deployment):
            assert container["image"] == image["name"]


def test_one_deployment_per_process_running_its_module(
    deployments: dict[str, dict[str, Any]],
) -> None:
    procs = processes()
    assert set(deployments) == set(procs)
    for name, process in procs.items():
        (container,) = pod_containers(deployments[name])
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
        (container,) = pod_containers(deployment)
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
        for container in pod_containers(deployment):
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
        for container in pod_containers(deployment):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            for path in ("/tmp", config["DATA_DIR"]):
                assert mounts.get(path) in empty_dirs, f"{name}: {path} must be writable"


def test_services_match_deployments(deployments: dict[str, dict[str, Any]]) -> None:
    services = k8s_by_kind("Service")
    served = {name for name, d in deployments.items() if ports_by_name(pod_containers(d)[0])}
    assert set(services) == served
    for name, service in services.items():
        deployment = deployments[name]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
        assert service["spec"]["selector"].items() <= labels.items()
        ports = ports_by_name(pod_containers(deployment)[0])
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
        assert pod_containers(deployments[name])[0]["resources"]["requests"][metric["name"]]
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
        for container in pod_containers(deployment):
            names = {e["name"] for e in container.get("env", [])}
            assert names <= documented, (name, sorted(names - documented))
            assert {"JWT_SECRET", "GATEWAY_SECRET"} <= names, name
            if name in STORE_ENV:
                assert STORE_ENV[name] in names, name
            assert not (names & set(config)), f"{name}: a setting is set twice"
