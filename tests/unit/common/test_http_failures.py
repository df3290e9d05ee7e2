"""Failures the service app answers itself: an unreachable database (503, never a 500 or a
quoted query) and a body that is not JSON (400 naming the body)."""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from sqlalchemy.exc import OperationalError

from shop.common.db import create_engine
from shop.common.http_app import create_service_app

router = APIRouter()


@router.post("/echo")
async def echo(body: dict[str, int]) -> dict[str, int]:
    return body


@router.get("/down")
async def down() -> None:
    # What asyncmy raises through SQLAlchemy while the MySQL connection is refused.
    raise OperationalError("INSERT INTO users VALUES (%s)", ("$argon2id$secret",), OSError(111))


async def test_unreachable_database_is_503_in_the_envelope() -> None:
    app = create_service_app(service="t", gateway_secrets=["s"], routers=[router])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        resp = await client.get("/down", headers={"x-gateway-secret": "s"})
    assert resp.status_code == 503
    body = resp.json()
    assert body["success"] is False and body["requestId"]
    assert resp.headers["retry-after"] == "1"
    assert "argon2" not in resp.text and "INSERT" not in resp.text


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
