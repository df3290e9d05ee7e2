"""deploy/k8s: secrets come from a generated Secret only, and the committed template holds
placeholders that refuse to start."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from shop.common.settings import CommonSettings, SecretMissingError
from tests.support.deploy_files import (
    DEPLOY,
    K8S,
    K8S_PRODUCTION,
    K8S_SECRETS_EXAMPLE,
    SECRET_ENV,
    is_placeholder,
    k8s_by_kind,
    k8s_manifest_files,
    parse_env_file,
    pod_containers,
)


def test_secret_is_generated_from_a_git_ignored_file(production: dict[str, Any]) -> None:
    (generator,) = production["secretGenerator"]
    assert generator["name"] == "shop-secrets"
    (env_file,) = generator["envs"]
    assert (K8S_PRODUCTION / f"{env_file}.example").is_file()
    ignored = (DEPLOY / ".gitignore").read_text(encoding="utf-8").split()
    assert f"{K8S_PRODUCTION.relative_to(DEPLOY)}/{env_file}" in ignored
    assert not k8s_by_kind("Secret"), "no Secret manifest with values is committed"


def test_secrets_only_come_from_the_secret(deployments: dict[str, dict[str, Any]]) -> None:
    secret_keys, optional_keys = parse_env_file(K8S_SECRETS_EXAMPLE)
    config = k8s_by_kind("ConfigMap")["shop-config"]["data"]
    assert not (set(config) & SECRET_ENV), "secrets belong in the Secret, not the ConfigMap"
    for name, deployment in deployments.items():
        for container in pod_containers(deployment):
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
