"""Through the gateway and around it: what the platform refuses."""

from __future__ import annotations

import time

import grpc
import httpx
import jwt
import pytest

from shop.protos.shop.order.v1 import order_pb2, order_pb2_grpc
from shop.protos.shop.user.v1 import user_pb2, user_pb2_grpc
from tests.support.stack import Stack
from tests.support.tokens import tampered_payload


@pytest.mark.parametrize("service", ["users", "products", "orders"])
def test_direct_rest_without_the_secret_is_refused(stack: Stack, service: str) -> None:
    path = {"users": "/users/me", "products": "/products", "orders": "/orders"}[service]
    resp = httpx.get(stack.url(service) + path, headers={"x-user-id": "x", "x-user-role": "admin"})
    assert resp.status_code == 401
    body = resp.json()
    assert body["success"] is False and body["requestId"]
    wrong = httpx.get(stack.url(service) + path, headers={"x-gateway-secret": "guess"})
    assert wrong.status_code == 401


@pytest.mark.parametrize("service", ["users", "products", "orders"])
def test_services_answer_health_without_the_secret(stack: Stack, service: str) -> None:
    resp = httpx.get(stack.url(service) + "/health")
    assert resp.status_code == 200 and resp.json()["status"] == "healthy"


def test_every_rotated_secret_is_accepted(stack: Stack) -> None:
    for secret in stack.secrets:
        resp = httpx.get(stack.url("products") + "/products", headers={"x-gateway-secret": secret})
        assert resp.status_code == 200


async def test_direct_grpc_without_the_secret_is_refused(stack: Stack) -> None:
    async with grpc.aio.insecure_channel(stack.grpc_target("users")) as channel:
        stub = user_pb2_grpc.UserServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.ValidateUser(user_pb2.ValidateUserRequest(user_id="x"), timeout=5)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        allowed = await stub.ValidateUser(
            user_pb2.ValidateUserRequest(user_id="nobody"),
            metadata=(("x-gateway-secret", stack.secret),),
            timeout=5,
        )
        assert allowed.valid is False


def test_forged_identity_headers_gain_nothing(stack: Stack) -> None:
    token = stack.user_token()
    forged = {
        **stack.auth(token),
        "x-user-role": "admin",
        "x-user-id": "someone-else",
        "x-gateway-secret": "forged",
    }
    resp = stack.client.get("/users", headers=forged)
    assert resp.status_code == 403
    anonymous = stack.client.get("/users", headers={"x-user-role": "admin", "x-user-id": "1"})
    assert anonymous.status_code == 401
    me = stack.client.get("/users/me", headers=forged)
    assert me.status_code == 200 and me.json()["data"]["id"] != "someone-else"


def test_bad_tokens_are_401_in_the_envelope(stack: Stack) -> None:
    for header in (
        "Bearer nonsense",
        "Bearer",
        "Basic abc",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIn0.",
    ):
        resp = stack.client.get("/users/me", headers={"Authorization": header})
        assert resp.status_code == 401, header
        assert resp.json()["success"] is False


def test_request_id_is_echoed_or_made(stack: Stack) -> None:
    resp = stack.client.get("/products", headers={"X-Request-ID": "trace-me-123"})
    assert resp.headers["x-request-id"] == "trace-me-123"
    fresh = stack.client.get("/products")
    assert len(fresh.headers["x-request-id"]) >= 16


def test_validation_errors_name_the_field(stack: Stack) -> None:
    resp = stack.client.post(
        "/auth/register", json={"email": "not-an-email", "password": "x", "name": "A"}
    )
    assert resp.status_code in (400, 422)
    body = resp.json()
    assert body["success"] is False
    assert {"email", "password"} <= {e["path"] for e in body["errors"]}
    garbage = stack.client.post(
        "/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert garbage.status_code in (400, 422)


def _assert_error_envelope(resp: httpx.Response, status: int) -> None:
    assert resp.status_code == status, resp.text[:300]
    body = resp.json()
    assert body["success"] is False and body["requestId"] == resp.headers["x-request-id"]


def test_not_yet_valid_and_tampered_tokens_are_401(stack: Stack) -> None:
    now = int(time.time())
    claims = {"sub": "u-1", "email": "u@example.com", "role": "user", "type": "access"}
    early = jwt.encode(
        {**claims, "iss": "shop", "iat": now, "nbf": now + 300, "exp": now + 900},
        stack.jwt_secret,
        algorithm="HS256",
    )
    promoted = tampered_payload(stack.user_token(), role="admin")
    for token in (early, promoted, stack.user_token()[:-4] + "AAAA"):
        _assert_error_envelope(stack.client.get("/users/me", headers=stack.auth(token)), 401)
        _assert_error_envelope(stack.client.get("/users", headers=stack.auth(token)), 401)


@pytest.mark.parametrize("path", ["/auth/register", "/orders", "/products"])
def test_a_body_over_the_limit_is_413_in_the_envelope(stack: Stack, path: str) -> None:
    # One byte past MAX_BODY_BYTES (default 1 MiB), sent with a length and chunked.
    body = b'{"name": "' + b"x" * 1_048_576 + b'"}'
    headers = {**stack.auth(stack.admin_token()), "content-type": "application/json"}
    _assert_error_envelope(stack.client.post(path, content=body, headers=headers), 413)
    chunked = stack.client.post(path, content=iter([body[:1000], body[1000:]]), headers=headers)
    _assert_error_envelope(chunked, 413)


async def test_order_grpc_without_the_secret_is_refused(stack: Stack) -> None:
    async with grpc.aio.insecure_channel(stack.grpc_target("orders")) as channel:
        stub = order_pb2_grpc.OrderServiceStub(channel)
        for metadata in ((), (("x-gateway-secret", "guess"),)):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.GetOrder(
                    order_pb2.GetOrderRequest(order_id="x"), metadata=metadata, timeout=5
                )
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await stub.GetOrder(
                order_pb2.GetOrderRequest(order_id="nobody"),
                metadata=(("x-gateway-secret", stack.secret),),
                timeout=5,
            )
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
