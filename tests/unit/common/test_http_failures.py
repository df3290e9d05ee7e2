"""Failures the service app answers itself: an unreachable database (503, never a 500 or a
quoted query) and a body that is not JSON (400 naming the body)."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]  # no stubs published
import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy.exc import DBAPIError, OperationalError

from shop.common.db import create_engine
from shop.common.http_app import create_service_app

router = APIRouter()


@router.post("/echo")
async def echo(body: dict[str, int]) -> dict[str, int]:
    return body


def _wrapped(driver_error: Exception) -> DBAPIError:
    # How SQLAlchemy hands on an asyncpg error: a DBAPIError around the adapter's error.
    return DBAPIError("SELECT 1", None, driver_error)


FAILURES: dict[str, Exception] = {
    # asyncmy through SQLAlchemy while the MySQL connection is refused
    "refused": OperationalError("INSERT INTO users VALUES (%s)", ("$argon2id$x",), OSError(111)),
    "no-slots": _wrapped(asyncpg.TooManyConnectionsError("sorry, too many clients already")),
    "closed": _wrapped(asyncpg.ConnectionDoesNotExistError("closed in the middle of operation")),
    "direct": asyncpg.CannotConnectNowError("the database system is starting up"),
    "bug": _wrapped(asyncpg.UniqueViolationError("duplicate key")),
}


@router.get("/down/{kind}")
async def down(kind: str) -> None:
    raise FAILURES[kind]


@pytest.mark.parametrize("kind", ["refused", "no-slots", "closed", "direct"])
async def test_unreachable_database_is_503_in_the_envelope(kind: str) -> None:
    app = create_service_app(service="t", gateway_secrets=["s"], routers=[router])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        resp = await client.get(f"/down/{kind}", headers={"x-gateway-secret": "s"})
    assert resp.status_code == 503
    body = resp.json()
    assert body["success"] is False and body["requestId"]
    assert resp.headers["retry-after"] == "1"
    assert "argon2" not in resp.text and "INSERT" not in resp.text


async def test_any_other_database_error_is_still_a_500() -> None:
    app = create_service_app(service="t", gateway_secrets=["s"], routers=[router])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        resp = await client.get("/down/bug", headers={"x-gateway-secret": "s"})
    assert resp.status_code == 500 and resp.json()["success"] is False


def test_engine_errors_never_quote_bound_values() -> None:
    engine = create_engine("postgresql://u@127.0.0.1:1/x")
    assert engine.sync_engine.hide_parameters is True


async def test_a_body_that_is_not_json_names_the_body() -> None:
    app = create_service_app(service="t", gateway_secrets=["s"], routers=[router])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        resp = await client.post(
            "/echo",
            content=b"{not json",
            headers={"x-gateway-secret": "s", "content-type": "application/json"},
        )
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["path"] == "body"
