"""POST /orders on its lean path answers as FastAPI's route does, good request or bad."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client import REGISTRY
from starlette.types import Message, Receive, Scope, Send
from structlog.testing import capture_logs

from shop.common.http_hot_route import HotRoute, with_hot_route
from shop.orders.api import create_app
from shop.orders.context import Context
from tests.integration.orders.conftest import SECRET
from tests.integration.orders.fakes import FakeProducts, World

Env = tuple[World, FakeProducts, int]
Clients = tuple[httpx.AsyncClient, httpx.AsyncClient]
# How many requests the lean path served (the rest went to FastAPI).
Lean = list[int]
_BASE = "http://orders"


@pytest.fixture
def lean() -> Lean:
    return [0]


@pytest.fixture
async def clients(orders: Context, lean: Lean) -> AsyncIterator[Clients]:
    """The lean path (the app as served) and FastAPI alone (the app it fronts)."""
    front = create_app(orders, background=False)
    assert isinstance(front, HotRoute)
    stack = front.stack

    async def counted(scope: Scope, receive: Receive, send: Send) -> None:
        lean[0] += 1
        await stack(scope, receive, send)

    front.stack = counted
    served = httpx.AsyncClient(transport=httpx.ASGITransport(app=front), base_url=_BASE)
    plain = httpx.AsyncClient(transport=httpx.ASGITransport(app=front.app), base_url=_BASE)
    async with served, plain:
        yield served, plain


def _headers(user_id: str, **extra: str) -> dict[str, str]:
    return {
        "x-gateway-secret": SECRET,
        "x-user-id": user_id,
        "x-user-email": "u@example.com",
        "x-user-role": "user",
        "content-type": "application/json",
        **extra,
    }


def _body(product: str, address: str, token: str = "tok_ok", **extra: Any) -> dict[str, Any]:
    return {
        "items": [{"productId": product, "quantity": 1}],
        "shippingAddressId": address,
        "payment": {"method": "card", "token": token},
        **extra,
    }


def _requests_total(status: str, route: str = "/orders") -> float:
    labels = {"service": "orders", "method": "POST", "route": route, "status": status}
    return REGISTRY.get_sample_value("http_requests_total", labels) or 0.0


async def _both(clients: Clients, content: bytes, headers: dict[str, str]) -> httpx.Response:
    """Sends the request down both paths (same request id); the two answers, logs and
    metrics must match. Only for requests that change nothing."""
    headers = {**headers, "x-request-id": uuid.uuid4().hex}
    answers, lines = [], []
    for client in clients:
        with capture_logs() as logs:
            answers.append(await client.post("/orders", content=content, headers=headers))
        lines.append([{k: v for k, v in e.items() if k != "duration_ms"} for e in logs])
    served, plain = answers
    assert (served.status_code, served.content) == (plain.status_code, plain.content)
    assert served.headers.multi_items() == plain.headers.multi_items()
    assert lines[0] == lines[1] and lines[0][-1]["event"] == "request"
    return served


async def test_refusals_match_fastapi(clients: Clients, world: Env, lean: Lean) -> None:
    w, _, _ = world
    (user, address), product = w.new_user(), w.new_product()
    good = orjson.dumps(_body(product, address))
    zero = good.replace(b'"quantity":1', b'"quantity":0')
    ok = _headers(user)
    cases: list[tuple[bytes, dict[str, str], int]] = [
        (good, {**ok, "x-gateway-secret": "wrong"}, 401),
        (good, {k: v for k, v in ok.items() if k != "x-gateway-secret"}, 401),
        (good, {k: v for k, v in ok.items() if k != "x-user-id"}, 401),
        (good, {**ok, "x-user-role": "guest"}, 401),
        (b"{not json", {**ok, "x-user-role": "guest"}, 400),
        (b"{not json", ok, 400),
        (b"", ok, 400),
        (b"[]", ok, 400),
        (good, {**ok, "content-type": "text/plain"}, 400),
        (good, {k: v for k, v in ok.items() if k != "content-type"}, 400),
        (good, {**ok, "idempotency-key": "k" * 201}, 400),
        (good.replace(b'"quantity":1', b'"quantity":"lots"'), ok, 400),
        (good.replace(b'"quantity":1', b'"quantity":0'), ok, 400),
        (good.replace(b'"shippingAddressId"', b'"shippingAddress"'), ok, 400),
        (orjson.dumps({**_body(product, address), "items": []}), ok, 400),
        (
            orjson.dumps({**_body(product, address), "items": [{"productId": product}] * 101}),
            ok,
            400,
        ),
        (orjson.dumps({**_body(product, address), "payment": "card"}), ok, 400),
        (b"\xef\xbb\xbf" + zero, ok, 400),
        (good[:-1] + b',"x":' + b"1" * 5000 + b"}", ok, 400),
        (zero[:-1] + b',"x":' + b"[" * 300 + b"]" * 300 + b"}", ok, 400),
        (good[:-1] + b',"x":"\\ud800"}' + b" x", ok, 400),
        (good.replace(b'"tok_ok"', b'"tok_\x01"'), ok, 400),
    ]
    for content, headers, status in cases:
        # The route label is in the access log lines, compared by _both.
        before = sum(_requests_total(str(status), r) for r in ("unmatched", "/orders"))
        answer = await _both(clients, content, headers)
        assert answer.status_code == status, (content[:80], headers, answer.text)
        assert answer.json()["success"] is False
        after = sum(_requests_total(str(status), r) for r in ("unmatched", "/orders"))
        assert after == before + 2
    # Only the secret refusals had a placeable body; FastAPI answered every other one.
    assert lean == [2]


async def test_business_failures_match_fastapi(clients: Clients, world: Env, lean: Lean) -> None:
    w, _, _ = world
    (user, address) = w.new_user()
    sold_out, known = w.new_product(stock=0), w.new_product()
    for body in (
        _body(sold_out, address),
        _body("no-such-product", address),
        _body(known, "no-such-address"),
        _body(known, address, token="tok_what"),
    ):
        answer = await _both(clients, orjson.dumps(body), _headers(user))
        assert 400 <= answer.status_code < 500 and answer.json()["success"] is False
    assert lean == [4]


@pytest.mark.parametrize("first", [0, 1])
async def test_a_placed_order_replays_across_paths(
    clients: Clients, world: Env, lean: Lean, first: int
) -> None:
    w, _, _ = world
    (user, address), product = w.new_user(), w.new_product(price=700)
    body = orjson.dumps(_body(product, address, extra_field="ignored"))
    headers = _headers(user, **{"idempotency-key": uuid.uuid4().hex})
    placed_before = _requests_total("201")
    with capture_logs() as logs:
        placed = await clients[first].post("/orders", content=body, headers=headers)
    assert placed.status_code == 201, placed.text
    assert placed.headers["content-type"] == "application/json"
    assert [e["route"] for e in logs if e["event"] == "request"] == ["/orders"]
    assert _requests_total("201") == placed_before + 1
    assert lean == [1 - first]
    replayed = await clients[1 - first].post("/orders", content=body, headers=headers)
    assert lean == [1]
    # Decoded: PostgreSQL's jsonb gives a replay its own key order within shippingAddress.
    assert (replayed.status_code, replayed.json()) == (placed.status_code, placed.json())
    drop = {"x-request-id"}
    assert [h for h in placed.headers.multi_items() if h[0] not in drop] == [
        h for h in replayed.headers.multi_items() if h[0] not in drop
    ]
    order = placed.json()["data"]
    assert order["userId"] == user and order["total"] == 700 and order["status"] == "CONFIRMED"


async def test_an_unexpected_failure_matches_fastapi(
    orders: Context, world: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(**_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("shop.orders.place_route.place_order", broken)
    w, _, _ = world
    (user, address), product = w.new_user(), w.new_product()
    front = create_app(orders, background=False)
    assert isinstance(front, HotRoute)
    answers = []
    for app in (front, front.app):
        # As uvicorn does, the 500 is sent and the error still reaches the server.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=_BASE) as client:
            with capture_logs() as logs:
                answer = await client.post(
                    "/orders",
                    content=orjson.dumps(_body(product, address)),
                    headers={**_headers(user), "x-request-id": "req-500"},
                )
        events = [(e["event"], e.get("status"), e.get("route")) for e in logs]
        answers.append((answer.status_code, answer.content, answer.headers.multi_items(), events))
    assert answers[0] == answers[1]
    assert answers[0][0] == 500 and ("request", 500, "/orders") in answers[0][3]


async def test_the_openapi_still_documents_the_route(clients: Clients) -> None:
    served, _ = clients
    document = (await served.get("/openapi.json", headers=_headers("docs"))).json()
    operation = document["paths"]["/orders"]["post"]
    assert "201" in operation["responses"] and "requestBody" in operation


def test_tracing_leaves_the_route_to_fastapi(
    orders: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    front = create_app(orders, background=False)
    assert isinstance(front, HotRoute)
    monkeypatch.setattr("shop.common.http_hot_route.tracing.enabled", lambda: True)
    assert with_hot_route(front.app, route=front.route, prepare=front.prepare) is front.app


@pytest.mark.parametrize("placeable", [True, False])
async def test_the_latency_counts_the_body_upload(orders: Context, placeable: bool) -> None:
    front = create_app(orders, background=False)
    body = orjson.dumps(_body("p", "a") if placeable else {"items": []})
    chunks: list[Message] = [
        {"type": "http.request", "body": body[:9], "more_body": True},
        {"type": "http.request", "body": body[9:], "more_body": False},
    ]

    async def receive() -> Message:
        await asyncio.sleep(0.05)  # a slow client's body
        return chunks.pop(0)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    labels = {"service": "orders", "method": "POST", "route": "unmatched"}
    before = REGISTRY.get_sample_value("http_request_duration_seconds_sum", labels) or 0.0
    headers = [
        (k.encode(), v.encode()) for k, v in _headers("u", **{"x-gateway-secret": "no"}).items()
    ]
    scope = {"type": "http", "method": "POST", "path": "/orders", "headers": headers}
    await front({**scope, "query_string": b"", "root_path": ""}, receive, send)
    assert sent[0]["status"] == 401
    after = REGISTRY.get_sample_value("http_request_duration_seconds_sum", labels) or 0.0
    assert after - before >= 0.1
