"""The gateway's own answers (no upstream involved): envelopes, ids, auth, limits, CORS."""

from __future__ import annotations

import uuid

import pytest

from shop.gateway import metrics
from shop.gateway.app import Gateway
from shop.gateway.settings import GatewaySettings
from tests.support.asgi_driver import call
from tests.support.tokens import SECRET, token, unsigned_token


def _gateway(**overrides: object) -> Gateway:
    fields: dict[str, object] = {
        "jwt_secret": SECRET,
        "redis_url": None,
        "rate_limit_key_prefix": uuid.uuid4().hex,
        "cors_origins": "https://shop.example",
    }
    fields.update(overrides)
    return Gateway(GatewaySettings(**fields))  # type: ignore[arg-type]


def _assert_envelope(body: object, message: str, request_id: str) -> None:
    assert body == {"success": False, "message": message, "errors": [], "requestId": request_id}


async def test_missing_token_on_protected_route_is_401_envelope() -> None:
    answer = await call(_gateway(), "GET", "/orders", {"X-Request-ID": "abc-123"})
    assert answer.status == 401
    assert answer.headers["x-request-id"] == "abc-123"
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["www-authenticate"] == "Bearer"
    _assert_envelope(answer.json(), "Authentication required", "abc-123")


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {unsigned_token()}", "Bearer nope", f"Bearer {token(exp=1)}"],
)
async def test_invalid_token_is_401_even_on_a_public_route(authorization: str) -> None:
    answer = await call(_gateway(), "GET", "/products", {"Authorization": authorization})
    assert answer.status == 401
    assert answer.json()["message"] == "Invalid or expired token"


async def test_unsafe_request_id_is_replaced() -> None:
    answer = await call(_gateway(), "GET", "/nowhere", {"X-Request-ID": "bad id\twith spaces"})
    request_id = answer.headers["x-request-id"]
    assert request_id != "bad id\twith spaces" and len(request_id) == 32
    _assert_envelope(answer.json(), "Route not found", request_id)


async def test_request_id_is_made_when_absent() -> None:
    first = await call(_gateway(), "GET", "/nowhere")
    second = await call(_gateway(), "GET", "/nowhere")
    assert first.status == 404
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert first.json()["requestId"] == first.headers["x-request-id"]


async def test_unknown_prefix_is_404_not_a_partial_match() -> None:
    answer = await call(_gateway(), "GET", "/productsx/1")
    assert answer.status == 404


async def test_dot_segments_are_not_routed() -> None:
    answer = await call(_gateway(), "GET", "/products/../orders")
    assert answer.status == 404


async def test_rate_limit_is_429_with_retry_after_before_auth() -> None:
    app = _gateway(rate_limit_default="2/minute")
    statuses = [(await call(app, "GET", "/orders")).status for _ in range(2)]
    assert statuses == [401, 401]
    limited = await call(app, "GET", "/orders", {"X-Request-ID": "r-429"})
    assert limited.status == 429
    assert int(limited.headers["retry-after"]) >= 1
    _assert_envelope(limited.json(), "Too many requests, slow down", "r-429")
    other_ip = await call(app, "GET", "/orders", client="10.9.9.9")
    assert other_ip.status == 401


async def test_health_shape_and_request_id() -> None:
    answer = await call(_gateway(), "GET", "/health", {"X-Request-ID": "h-1"})
    assert answer.status == 200
    body = answer.json()
    assert body["status"] == "healthy" and body["timestamp"].endswith("+00:00")
    assert answer.headers["x-request-id"] == "h-1"


async def test_metrics_labels_by_route_prefix() -> None:
    app = _gateway()
    await call(app, "GET", "/orders/some-unique-id-123")
    text = metrics.render()[0].decode()
    assert 'service="gateway"' in text and 'route="/orders"' in text
    assert "some-unique-id-123" not in text


async def test_metrics_are_not_served_on_the_public_port() -> None:
    answer = await call(_gateway(), "GET", "/metrics")
    assert answer.status == 404
    assert b"http_requests_total" not in answer.body


async def test_preflight_is_answered_locally() -> None:
    headers = {
        "Origin": "https://shop.example",
        "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization",
    }
    answer = await call(_gateway(), "OPTIONS", "/orders/1/status", headers)
    assert answer.status == 204
    assert answer.headers["access-control-allow-origin"] == "https://shop.example"
    assert answer.headers["access-control-allow-headers"] == "authorization"
    assert "PATCH" in answer.headers["access-control-allow-methods"]
    assert answer.headers["x-request-id"]


async def test_disallowed_origin_gets_no_cors_headers() -> None:
    answer = await call(_gateway(), "GET", "/nowhere", {"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in answer.headers
    allowed = await call(_gateway(), "GET", "/nowhere", {"Origin": "https://shop.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert "X-Request-ID" in allowed.headers["access-control-expose-headers"]
