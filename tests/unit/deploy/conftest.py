"""The Compose and Kubernetes documents the deployment tests read, loaded once per module."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.deploy_files import (
    COMPOSE_FILE,
    K8S_PRODUCTION,
    k8s_by_kind,
    load_yaml,
    processes,
)


@pytest.fixture(scope="module")
def deployments() -> dict[str, dict[str, Any]]:
    return k8s_by_kind("Deployment")


@pytest.fixture(scope="module")
def production() -> dict[str, Any]:
    doc: dict[str, Any] = load_yaml(K8S_PRODUCTION / "kustomization.yaml")
    return doc


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    doc: dict[str, Any] = load_yaml(COMPOSE_FILE)
    return doc


@pytest.fixture(scope="module")
def shop_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: compose["services"][name] for name in processes()}
