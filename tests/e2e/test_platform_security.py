"""Through the gateway and around it: what the platform refuses."""

from __future__ import annotations

import grpc
import httpx
import pytest

from shop.protos.shop.user.v1 import user_pb2, user_pb2_grpc
from tests.support.stack import Stack


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
