"""The public API's documentation: one OpenAPI document assembled from the services' own
schemas (with the gateway's bearer auth), and a Swagger UI page served from local files."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from shop.common.logging import get_logger
from shop.common.security import GATEWAY_SECRET_HEADER
from shop.gateway.routing import is_public

log = get_logger("shop.gateway.apidocs")
OPENAPI_PATH = "/openapi.json"
_SCHEMA_PREFIX = "#/components/schemas/"
_TIMEOUT = aiohttp.ClientTimeout(total=3)
_CACHE_SECONDS = 60.0
_PARTIAL_CACHE_SECONDS = 5.0
# Headers the gateway sets itself from the verified token: never the client's to send.
_GATEWAY_SET_HEADERS = frozenset({"x-user-id", "x-user-email", "x-user-role"})
# Which gateway prefixes each service's document may contribute.
SERVICE_SEGMENTS = {"users": {"auth", "users"}, "products": {"products"}, "orders": {"orders"}}
BEARER = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}


def _renamed(node: Any, renames: dict[str, str]) -> Any:
    """The document with every $ref to a renamed schema pointing at its new name."""
    if isinstance(node, dict):
        out = {key: _renamed(value, renames) for key, value in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_PREFIX):
            name = ref[len(_SCHEMA_PREFIX) :]
            out["$ref"] = _SCHEMA_PREFIX + renames.get(name, name)
        return out
    if isinstance(node, list):
        return [_renamed(item, renames) for item in node]
    return node


def _public_operation(method: str, path: str, operation: dict[str, Any]) -> dict[str, Any]:
    operation = dict(operation)
    operation["parameters"] = [
        p
        for p in operation.get("parameters", [])
        if not (p.get("in") == "header" and p.get("name", "").lower() in _GATEWAY_SET_HEADERS)
    ]
    if not operation["parameters"]:
        del operation["parameters"]
    operation["security"] = [] if is_public(method.upper(), path) else [{"bearerAuth": []}]
    return operation


def merge(documents: dict[str, dict[str, Any]], segments: dict[str, set[str]]) -> dict[str, Any]:
    """One document from each service's: the paths under its gateway prefixes, its schemas
    (renamed `<service>_<name>` where two services define one name differently)."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for service, doc in sorted(documents.items()):
        own = doc.get("components", {}).get("schemas", {})
        renames = {
            name: f"{service}_{name}"
            for name, schema in own.items()
            if name in schemas and schemas[name] != schema
        }
        doc = _renamed(doc, renames)
        for name, schema in doc.get("components", {}).get("schemas", {}).items():
            schemas[renames.get(name, name)] = schema
        for path, item in doc.get("paths", {}).items():
            if path.split("/")[1] not in segments.get(service, set()):
                continue
            paths[path] = {
                method: _public_operation(method, path, op) if isinstance(op, dict) else op
                for method, op in item.items()
            }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "shop API",
            "version": "1",
            "description": "The public REST API, served by the gateway. Responses use the "
            "envelope `{success, message, data, meta?}`; errors carry `errors` and `requestId`.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas, "securitySchemes": BEARER},
    }


class ApiDocs:
    """Fetches the services' schemas on demand and keeps the merged document a minute."""

    def __init__(self, replicas: dict[str, list[str]]) -> None:
        self._replicas = replicas
        self._cached: tuple[float, dict[str, Any]] | None = None

    async def document(self, session: aiohttp.ClientSession, secret: str) -> dict[str, Any]:
        """The merged document; a service that cannot be reached is left out."""
        if self._cached is not None and time.monotonic() < self._cached[0]:
            return self._cached[1]
        documents: dict[str, dict[str, Any]] = {}
        for service, urls in self._replicas.items():
            doc = await self._fetch(session, secret, urls)
            if doc is not None:
                documents[service] = doc
        merged = merge(documents, SERVICE_SEGMENTS)
        # A partial document is kept only briefly: the missing service is likely back soon,
        # and an unlimited path must not turn each request into three upstream fetches.
        complete = len(documents) == len(self._replicas)
        ttl = _CACHE_SECONDS if complete else _PARTIAL_CACHE_SECONDS
        self._cached = (time.monotonic() + ttl, merged)
        return merged

    async def _fetch(
        self, session: aiohttp.ClientSession, secret: str, urls: list[str]
    ) -> dict[str, Any] | None:
        for url in urls:
            try:
                async with session.get(
                    f"{url}{OPENAPI_PATH}",
                    headers={GATEWAY_SECRET_HEADER: secret},
                    timeout=_TIMEOUT,
                ) as resp:
                    if resp.status == 200:
                        doc: dict[str, Any] = await resp.json()
                        return doc
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                log.warning("openapi_fetch_failed", url=url, error=type(exc).__name__)
        return None
