"""FastAPI exception handlers that answer every failure in the contract's envelope."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shop.common.context import get_request_id
from shop.common.envelope import error
from shop.common.errors import STORE_ERRORS, AppError, is_store_outage, outage_reason
from shop.common.logging import get_logger

log = get_logger(__name__)


class ORJSONResponse(JSONResponse):
    """JSON rendered by orjson (FastAPI 0.165 deprecated its own ORJSONResponse)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error_response(
    status_code: int,
    message: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> ORJSONResponse:
    body = error(message, request_id=get_request_id(), errors=errors)
    return ORJSONResponse(body, status_code=status_code, headers=headers)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    # Drop the "body"/"query"/"path" prefix so the path names the client's own field.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    return [
        {
            # A body that is not JSON at all: its location is a character offset, not a field.
            "path": "body" if e.get("type") == "json_invalid" else _field_path(e.get("loc", ())),
            "message": str(e.get("msg", "invalid value")),
        }
        for e in exc.errors()
    ]


async def _on_app_error(_: Request, exc: Exception) -> ORJSONResponse:
    assert isinstance(exc, AppError)
    return error_response(exc.status_code, exc.message, exc.errors)


async def _on_validation_error(_: Request, exc: Exception) -> ORJSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(400, "Validation failed", _validation_errors(exc))


async def _on_http_error(_: Request, exc: Exception) -> ORJSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "Request failed"
    return error_response(exc.status_code, message, headers=dict(exc.headers or {}))


async def _on_store_error(request: Request, exc: Exception) -> ORJSONResponse:
    if not is_store_outage(exc):
        return await _on_unexpected(request, exc)
    # Expected while a database is unreachable: one line, no traceback (it could quote SQL).
    log.warning("store_unavailable", error_type=type(exc).__name__, reason=outage_reason(exc))
    return error_response(503, "Service temporarily unavailable", headers={"Retry-After": "1"})


async def _on_unexpected(_: Request, exc: Exception) -> ORJSONResponse:
    # Logged in full for operators; the client learns only that it was our fault.
    log.exception("unhandled_error", error_type=type(exc).__name__)
    return error_response(500, "Internal server error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _on_app_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    for store_error in STORE_ERRORS:
        app.add_exception_handler(store_error, _on_store_error)
    app.add_exception_handler(Exception, _on_unexpected)
