"""Our server and channel plumbing end to end: what a channel or server option must not
break (deadlines on both sides, metadata, error statuses, message size limits, health)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shop.common import grpc_server
from shop.common.context import get_request_id, set_request_id
from shop.common.errors import NotFound
from shop.common.grpc_client import KEEPALIVE_TIME_MS, open_channel
from shop.common.grpc_server import GrpcServer, start_grpc_server, translate_errors
from shop.protos.shop.user.v1 import user_pb2, user_pb2_grpc

SECRET = "plumbing-test-secret-0123456789"
SERVICE = "shop.user.v1.UserService"
# grpc's default limit on a received message, which the order service's peers rely on.
FOUR_MB = 4 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Recorder(user_pb2_grpc.UserServiceServicer):
    """ValidateUser as the test asks through user_id: "slow", "missing", or an echo."""

    def __init__(self) -> None:
        self.time_remaining: float | None = None
        self.cancelled = asyncio.Event()
        self.request_ids: list[str | None] = []

    async def GetUser(self, request: Any, context: Any) -> Any:
        raise NotImplementedError

    async def GetUserAddresses(self, request: Any, context: Any) -> Any:
        raise NotImplementedError

    async def ValidateUsers(self, request: Any, context: Any) -> Any:
        raise NotImplementedError

    @translate_errors("plumbing-test")
    async def ValidateUser(self, request: Any, context: Any) -> user_pb2.ValidateUserResponse:
        self.request_ids.append(get_request_id())
        if request.user_id == "slow":
            self.time_remaining = context.time_remaining()
            try:
                await asyncio.sleep(5)
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
        if request.user_id == "missing":
            raise NotFound("User not found")
        if request.user_id == "big":
            return user_pb2.ValidateUserResponse(reason="x" * (FOUR_MB + 1))
        return user_pb2.ValidateUserResponse(valid=True, reason=request.user_id[:16])


@pytest.fixture
async def server() -> AsyncIterator[tuple[GrpcServer, Recorder, str]]:
    recorder, port = Recorder(), free_port()
    running = await start_grpc_server(
        port=port,
        secrets=[SECRET],
        register=lambda s: user_pb2_grpc.add_UserServiceServicer_to_server(recorder, s),
        service_names=[SERVICE],
        host="127.0.0.1",
    )
    try:
        yield running, recorder, f"127.0.0.1:{port}"
    finally:
        await running.stop(0)


@pytest.fixture
async def stub(server: tuple[GrpcServer, Recorder, str]) -> AsyncIterator[Any]:
    channel = open_channel(server[2], secret=SECRET)
    try:
        yield user_pb2_grpc.UserServiceStub(channel).ValidateUser
    finally:
        await channel.close()


async def test_a_slow_server_is_a_deadline_exceeded_in_time_and_sees_the_deadline(
    server: tuple[GrpcServer, Recorder, str], stub: Any
) -> None:
    recorder = server[1]
    started = time.monotonic()
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stub(user_pb2.ValidateUserRequest(user_id="slow"), timeout=0.3)
    waited = time.monotonic() - started
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert 0.25 <= waited < 1.5
    # The server got the caller's deadline and its handler is cancelled when it passes.
    assert recorder.time_remaining is not None and 0 < recorder.time_remaining <= 0.3
    await asyncio.wait_for(recorder.cancelled.wait(), timeout=2)


async def test_the_secret_and_request_id_reach_the_server(
    server: tuple[GrpcServer, Recorder, str], stub: Any
) -> None:
    recorder, target = server[1], server[2]
    set_request_id("plumbing-request-0001")
    try:
        reply = await stub(user_pb2.ValidateUserRequest(user_id="echo"), timeout=5)
    finally:
        set_request_id(None)
    assert reply.valid and recorder.request_ids == ["plumbing-request-0001"]
    async with grpc.aio.insecure_channel(target) as bare:
        refused = user_pb2_grpc.UserServiceStub(bare).ValidateUser
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await refused(user_pb2.ValidateUserRequest(user_id="echo"), timeout=5)
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_an_app_error_keeps_its_status_and_details(stub: Any) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stub(user_pb2.ValidateUserRequest(user_id="missing"), timeout=5)
    assert (info.value.code(), info.value.details()) == (
        grpc.StatusCode.NOT_FOUND,
        "User not found",
    )


async def test_messages_over_four_megabytes_are_refused_both_ways(stub: Any) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as sent:
        await stub(user_pb2.ValidateUserRequest(user_id="x" * (FOUR_MB + 1)), timeout=5)
    assert sent.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    with pytest.raises(grpc.aio.AioRpcError) as received:
        await stub(user_pb2.ValidateUserRequest(user_id="big"), timeout=5)
    assert received.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_health_answers_through_our_channel(
    server: tuple[GrpcServer, Recorder, str],
) -> None:
    channel = open_channel(server[2], secret="not-needed-for-health")
    try:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", SERVICE):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        await channel.close()


async def test_our_servers_permit_our_channels_keepalive_pings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Checked on the options rather than by idling: a strike needs minutes of idle channel.
    # (Seen with grpc's server defaults: after about two idle minutes, GOAWAY
    # "too_many_pings" and the next call failed with UNAVAILABLE.)
    created: list[dict[str, Any]] = []
    real = grpc.aio.server

    def recording(*args: Any, options: Any = None, **kwargs: Any) -> Any:
        created.append(dict(options or ()))
        return real(*args, options=options, **kwargs)

    monkeypatch.setattr(grpc.aio, "server", recording)
    running = await start_grpc_server(
        port=free_port(),
        secrets=[SECRET],
        register=lambda s: None,
        service_names=[],
        host="127.0.0.1",
    )
    await running.stop(0)
    [options] = created
    assert options["grpc.keepalive_permit_without_calls"] == 1
    assert options["grpc.http2.min_ping_interval_without_data_ms"] < KEEPALIVE_TIME_MS
    assert options["grpc.so_reuseport"] == 0 and options == dict(grpc_server.OPTIONS)
