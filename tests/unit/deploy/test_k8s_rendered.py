"""What `kubectl apply -k deploy/k8s/overlays/production` sends: rendered, then validated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]  # no stubs published
import pytest

from tests.support.deploy_files import (
    K8S_OVERLAYS,
    K8S_PRODUCTION,
    K8S_VERSIONS,
    load_yaml,
    pod_containers,
)
from tests.support.kustomize import UnsupportedField, render

RENDERED = render(K8S_PRODUCTION)
PROMETHEUS = "prometheus"


def _by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in RENDERED if d["kind"] == kind}


def test_every_overlay_renders() -> None:
    overlays = [p for p in K8S_OVERLAYS.iterdir() if (p / "kustomization.yaml").is_file()]
    assert K8S_PRODUCTION in overlays
    for overlay in overlays:
        assert render(overlay), overlay


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_rendered_output_is_valid_kubernetes(version: str) -> None:
    for doc in RENDERED:
        kubernetes_validate.validate(doc, version, strict=True)


def test_renderer_refuses_fields_it_does_not_implement(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("commonLabels: {a: b}\nresources: []\n")
    with pytest.raises(UnsupportedField):
        render(tmp_path)


def test_everything_lands_in_the_namespace_with_the_release_image() -> None:
    (namespace,) = _by_kind("Namespace")
    for doc in RENDERED:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == namespace, doc["metadata"]["name"]
    images = load_yaml(K8S_PRODUCTION / "kustomization.yaml")["images"]
    expected = f"{images[0]['newName']}:{images[0]['newTag']}"
    for deployment in _by_kind("Deployment").values():
        for container in pod_containers(deployment):
            assert container["image"] == expected


def test_every_secret_reference_names_the_generated_secret() -> None:
    (secret_name,) = _by_kind("Secret")
    assert secret_name.startswith("shop-secrets-")  # the content hash rolls the pods
    keys = set(_by_kind("Secret")[secret_name]["data"])
    for deployment in _by_kind("Deployment").values():
        for container in pod_containers(deployment):
            for env in container.get("env", []):
                ref = env["valueFrom"]["secretKeyRef"]
                assert ref["name"] == secret_name
                assert ref["key"] in keys or ref.get("optional"), ref["key"]


def test_the_production_patch_applies() -> None:
    hpas = _by_kind("HorizontalPodAutoscaler")
    assert hpas["gateway"]["spec"]["minReplicas"] == 3
    # The rest of the base's HPA survives the merge.
    assert hpas["gateway"]["spec"]["scaleTargetRef"]["name"] == "gateway"
    assert hpas["users"]["spec"]["minReplicas"] == 2


def _allowed(app: str, port: str) -> set[str] | None:
    """Who may reach `app` on its named port: None for anyone, else app names
    (`prometheus` for the monitoring namespace's Prometheus)."""
    allowed: set[str] = set()
    for policy in _by_kind("NetworkPolicy").values():
        selector = policy["spec"]["podSelector"].get("matchLabels", {})
        if selector and selector.get("app.kubernetes.io/name") != app:
            continue
        for rule in policy["spec"].get("ingress", []):
            if not any(p["port"] == port for p in rule.get("ports", [])):
                continue
            if "from" not in rule:
                return None
            for peer in rule["from"]:
                labels = peer.get("podSelector", {}).get("matchLabels", {})
                if "namespaceSelector" in peer:
                    assert labels == {"app.kubernetes.io/name": PROMETHEUS}, peer
                    allowed.add(PROMETHEUS)
                else:
                    allowed.add(labels["app.kubernetes.io/name"])
    return allowed


def test_network_policies_only_let_the_gateway_and_the_order_service_in() -> None:
    deny = _by_kind("NetworkPolicy")["default-deny-ingress"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}
    assert _allowed("gateway", "http") is None  # the entry point
    assert _allowed("gateway", "metrics") == {PROMETHEUS}
    for service in ("users", "products", "orders"):
        assert _allowed(service, "http") == {"gateway", PROMETHEUS}, service
    for service in ("users", "products"):
        assert _allowed(service, "grpc") == {"orders"}, service
    assert _allowed("orders", "grpc") == set()
    # Every policy rule names a port the selected pods really have.
    ports = {
        name: {
            p["name"]
            for c in d["spec"]["template"]["spec"]["containers"]
            for p in c.get("ports", [])
        }
        for name, d in _by_kind("Deployment").items()
    }
    for policy in _by_kind("NetworkPolicy").values():
        app = policy["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name")
        for rule in policy["spec"].get("ingress", []):
            for port in rule["ports"]:
                if isinstance(port["port"], str):
                    assert port["port"] in ports[app], (policy["metadata"]["name"], port)
