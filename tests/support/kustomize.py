"""Renders a kustomization in Python, for the subset of kustomize deploy/k8s uses.

No kustomize binary is reachable from the registries CI may use (Debian's kubectl is 1.20,
whose built-in kustomize predates `patches` and directory resources), so the tests render
the overlays here and validate what `kubectl apply -k` would send. Fields outside the
subset are refused, so a kustomization cannot silently use one this renderer ignores.

Supported: resources (files and directories), namespace, images, secretGenerator (envs,
with kustomize's content-hash suffix written into every reference), patches (strategic
merge by the patch's kind and name; lists of named items merge by name).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "secretGenerator", "patches"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding"}


class UnsupportedField(ValueError):
    """The kustomization uses a field this renderer does not implement."""


def _documents(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [doc for doc in yaml.safe_load_all(fh) if doc]


def _env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value
    return values


def _merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(i, dict) and "name" in i for i in [*base, *patch])
    ):
        by_name = {item["name"]: item for item in base}
        merged_list = [_merge(by_name[i["name"]], i) if i["name"] in by_name else i for i in patch]
        patched = {i["name"] for i in patch}
        return [i for i in base if i["name"] not in patched] + merged_list
    return copy.deepcopy(patch)


def _secret(generator: dict[str, Any], directory: Path, fallback: str) -> dict[str, Any]:
    data: dict[str, str] = {}
    for env in generator.get("envs", []):
        path = directory / env
        if not path.exists():
            path = directory / f"{env}{fallback}"  # the committed template stands in for it
        data.update(_env_file(path))
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in sorted(data.items())}
    digest = hashlib.sha256(json.dumps(encoded, sort_keys=True).encode()).hexdigest()[:10]
    metadata: dict[str, Any] = {"name": f"{generator['name']}-{digest}"}
    if "namespace" in generator:
        metadata["namespace"] = generator["namespace"]
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": generator.get("type", "Opaque"),
        "metadata": metadata,
        "data": encoded,
    }


def _rename_secret_refs(node: Any, renames: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key in ("secretKeyRef", "secretRef"):
            ref = node.get(key)
            if isinstance(ref, dict) and ref.get("name") in renames:
                ref["name"] = renames[ref["name"]]
        secret = node.get("secret")
        if isinstance(secret, dict) and secret.get("secretName") in renames:
            secret["secretName"] = renames[secret["secretName"]]
        for value in node.values():
            _rename_secret_refs(value, renames)
    elif isinstance(node, list):
        for item in node:
            _rename_secret_refs(item, renames)


def _set_images(node: Any, images: list[dict[str, str]]) -> None:
    if isinstance(node, dict):
        for container in node.get("containers", []) + node.get("initContainers", []):
            for image in images:
                if container.get("image") == image["name"]:
                    name = image.get("newName", image["name"])
                    tag = image.get("newTag")
                    container["image"] = f"{name}:{tag}" if tag else name
        for value in node.values():
            _set_images(value, images)
    elif isinstance(node, list):
        for item in node:
            _set_images(item, images)


def render(directory: Path, *, secret_fallback: str = ".example") -> list[dict[str, Any]]:
    """The documents `kubectl kustomize <directory>` would print, in resource order."""
    kustomization = _documents(directory / "kustomization.yaml")[0]
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise UnsupportedField(f"{directory}: {sorted(unknown)}")
    docs: list[dict[str, Any]] = []
    for resource in kustomization.get("resources", []):
        path = directory / resource
        if path.is_dir():
            docs += render(path, secret_fallback=secret_fallback)
        else:
            docs += _documents(path)
    renames: dict[str, str] = {}
    for generator in kustomization.get("secretGenerator", []):
        secret = _secret(generator, directory, secret_fallback)
        renames[generator["name"]] = secret["metadata"]["name"]
        docs.append(secret)
    for patch in kustomization.get("patches", []):
        for change in _documents(directory / patch["path"]):
            key = (change["kind"], change["metadata"]["name"])
            matches = [i for i, d in enumerate(docs) if (d["kind"], d["metadata"]["name"]) == key]
            if len(matches) != 1:
                raise ValueError(f"patch {patch['path']}: {key} matches {len(matches)} documents")
            docs[matches[0]] = _merge(docs[matches[0]], change)
    namespace = kustomization.get("namespace")
    for doc in docs:
        if namespace and doc["kind"] not in CLUSTER_SCOPED:
            doc.setdefault("metadata", {})["namespace"] = namespace
        _rename_secret_refs(doc, renames)
        _set_images(doc, kustomization.get("images", []))
    return docs
