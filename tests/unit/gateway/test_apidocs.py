"""Merging the services' OpenAPI documents into the gateway's one."""

from __future__ import annotations

from typing import Any

from shop.gateway.apidocs import SERVICE_SEGMENTS, merge


def _doc(path: str, schema: dict[str, Any], *, header: str | None = None) -> dict[str, Any]:
    params = [{"name": header, "in": "header"}] if header else []
    return {
        "paths": {
            path: {
                "get": {
                    "parameters": params,
                    "responses": {"200": {"$ref": "#/components/schemas/Item"}},
                },
            },
            "/internal/thing": {"get": {}},
        },
        "components": {"schemas": {"Item": schema, "Error": {"type": "object"}}},
    }


def test_same_name_different_schemas_are_both_kept_and_refs_follow() -> None:
    merged = merge(
        {
            "orders": _doc("/orders", {"title": "order"}, header="x-user-id"),
            "products": _doc("/products/{id}", {"title": "product"}),
        },
        SERVICE_SEGMENTS,
    )
    schemas = merged["components"]["schemas"]
    assert schemas["Item"] == {"title": "order"}
    assert schemas["products_Item"] == {"title": "product"}
    assert set(schemas) == {"Item", "products_Item", "Error"}  # identical ones merge
    product = merged["paths"]["/products/{id}"]["get"]
    assert product["responses"]["200"]["$ref"] == "#/components/schemas/products_Item"
    assert product["security"] == []
    order = merged["paths"]["/orders"]["get"]
    assert order["security"] == [{"bearerAuth": []}]
    assert "parameters" not in order  # x-user-id is the gateway's to set
    assert "/internal/thing" not in merged["paths"]
