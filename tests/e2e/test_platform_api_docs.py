"""The gateway's API documentation: one OpenAPI document, and a page with no remote asset."""

from __future__ import annotations

import re
from typing import Any

from tests.support.stack import Stack


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def test_openapi_covers_every_service_with_the_bearer_scheme(stack: Stack) -> None:
    resp = stack.client.get("/openapi.json")
    assert resp.status_code == 200
    doc = resp.json()
    paths = doc["paths"]
    for path in ("/auth/login", "/users/me", "/products", "/products/{product_id}", "/orders"):
        assert path in paths, sorted(paths)
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert paths["/orders"]["post"]["security"] == [{"bearerAuth": []}]
    assert paths["/products"]["get"]["security"] == []
    assert paths["/auth/login"]["post"]["security"] == []
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    for item in paths.values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                assert not parameter["name"].lower().startswith("x-user-"), parameter


def test_docs_page_loads_only_local_assets(stack: Stack) -> None:
    page = stack.client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "://" not in page.text, "the page must not load anything from another origin"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) == 3
    for asset in assets:
        assert asset.startswith("/docs/"), asset
        assert stack.client.get(asset).status_code == 200, asset
    assert stack.client.get("/docs/nothing-here.js").status_code == 404
