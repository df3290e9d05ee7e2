"""The gateway's public API document, for fuzzing through the gateway."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.stack import Stack

# Paths every process serves for operators; they are not part of the routed public API.
_OPERATOR_PATHS = ("/health", "/metrics")


def gateway_openapi(stack: Stack) -> dict[str, Any]:
    """The OpenAPI document a client of the gateway sees.

    Assembled from the services' documents until the gateway serves its own /openapi.json;
    then this becomes `return stack.client.get("/openapi.json").json()`.
    """
    return assembled_from_services(stack)


_SUCCESS = {
    "type": "object",
    "required": ["success", "message", "data"],
    "properties": {
        "success": {"const": True},
        "message": {"type": "string"},
        "data": {},
        "meta": {"type": "object", "required": ["page", "limit", "total"]},
    },
}
_ERROR = {
    "type": "object",
    "required": ["success", "message", "errors", "requestId"],
    "properties": {
        "success": {"const": False},
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "requestId": {"type": "string", "minLength": 1},
    },
}


def _enveloped(operation: dict[str, Any]) -> dict[str, Any]:
    """The contract's envelope as the documented body of every answer a service left loosely
    documented (a bare `object`), and of every status it did not document."""
    responses: dict[str, Any] = {}
    for status, response in operation.get("responses", {}).items():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        if status.startswith("2") and "properties" not in schema and "$ref" not in schema:
            response = {**response, "content": {"application/json": {"schema": _SUCCESS}}}
        responses[status] = response
    # Whatever else the gateway or a service answers (401, 413, 429, 503...): the envelope.
    responses.setdefault(
        "default",
        {"description": "any error", "content": {"application/json": {"schema": _ERROR}}},
    )
    return {**operation, "responses": responses}


def assembled_from_services(stack: Stack) -> dict[str, Any]:
    """One document with every service's routed paths and schemas (names agree across them)."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for service in ("users", "products", "orders"):
        resp = httpx.get(
            f"{stack.url(service)}/openapi.json", headers={"x-gateway-secret": stack.secret}
        )
        assert resp.status_code == 200, resp.text
        document = resp.json()
        for path, item in document.get("paths", {}).items():
            if not path.startswith(_OPERATOR_PATHS):
                paths[path] = {method: _enveloped(op) for method, op in item.items()}
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            schemas.setdefault(name, schema)
    return {
        "openapi": "3.1.0",
        "info": {"title": "shop gateway", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }
