"""The real gRPC server: the secret interceptor, health, and the three UserService calls."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shop.common.grpc_client import open_channel
from shop.protos.shop.user.v1 import user_pb2, user_pb2_grpc
from shop.users import registration, service
from shop.users.context import Context
from shop.users.rpc import GRPC_SERVICE_NAME, start_grpc
from tests.integration.users.support import OTHER_SECRET, PASSWORD, SECRET, unique_email


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def target(ctx: Context) -> AsyncIterator[str]:
    port = free_port()
    server = await start_grpc(ctx, port=port, host="127.0.0.1")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await server.stop(0)


@pytest.fixture
async def stub(target: str) -> AsyncIterator[user_pb2_grpc.UserServiceStub]:
    channel = open_channel(target, secret=SECRET)
    try:
        yield user_pb2_grpc.UserServiceStub(channel)
    finally:
        await channel.close()


async def _user_with_address(ctx: Context) -> str:
    user = await registration.register(
        uow=ctx.uow(), passwords=ctx.passwords, email=unique_email(), password=PASSWORD, name="G"
    )
    fields = {"line1": "1 Rpc Way", "city": "Grpcville", "postal_code": "50053", "country": "US"}
    await service.add_address(uow=ctx.uow(), user_id=user.id, fields=fields)
    return user.id


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
async def test_calls_without_a_valid_secret_are_unauthenticated(
    target: str, secret: str | None
) -> None:
    metadata = (("x-gateway-secret", secret),) if secret else None
    async with grpc.aio.insecure_channel(target) as channel:
        refused = user_pb2_grpc.UserServiceStub(channel)
        for call, request in (
            (refused.GetUser, user_pb2.GetUserRequest(user_id="x")),
            (refused.GetUserAddresses, user_pb2.GetUserAddressesRequest(user_id="x")),
            (refused.ValidateUser, user_pb2.ValidateUserRequest(user_id="x")),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await call(request, metadata=metadata, timeout=5)
            assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_health_answers_without_the_secret(target: str) -> None:
    async with grpc.aio.insecure_channel(target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", GRPC_SERVICE_NAME):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
    assert GRPC_SERVICE_NAME == "shop.user.v1.UserService"


async def test_get_user(ctx: Context, stub: user_pb2_grpc.UserServiceStub) -> None:
    user_id = await _user_with_address(ctx)
    reply = await stub.GetUser(user_pb2.GetUserRequest(user_id=user_id), timeout=5)
    assert reply.user.id == user_id and reply.user.role == "user" and reply.user.name == "G"
    assert reply.user.created_at.endswith("+00:00")


async def test_get_unknown_user_is_not_found(stub: user_pb2_grpc.UserServiceStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stub.GetUser(user_pb2.GetUserRequest(user_id=str(uuid.uuid4())), timeout=5)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as empty:
        await stub.GetUser(user_pb2.GetUserRequest(user_id=""), timeout=5)
    assert empty.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_get_user_addresses(ctx: Context, stub: user_pb2_grpc.UserServiceStub) -> None:
    user_id = await _user_with_address(ctx)
    reply = await stub.GetUserAddresses(
        user_pb2.GetUserAddressesRequest(user_id=user_id), timeout=5
    )
    [address] = reply.addresses
    assert (address.line1, address.postal_code, address.is_default) == ("1 Rpc Way", "50053", True)
    assert address.line2 == ""


async def test_validate_user(ctx: Context, target: str) -> None:
    user_id = await _user_with_address(ctx)
    # The second secret of the rotation list works as well as the first.
    channel = open_channel(target, secret=OTHER_SECRET)
    try:
        stub = user_pb2_grpc.UserServiceStub(channel)
        valid = await stub.ValidateUser(user_pb2.ValidateUserRequest(user_id=user_id), timeout=5)
        assert valid.valid and valid.user.id == user_id and valid.reason == ""
        unknown = await stub.ValidateUser(
            user_pb2.ValidateUserRequest(user_id=str(uuid.uuid4())), timeout=5
        )
        assert not unknown.valid and unknown.reason == "user not found"
    finally:
        await channel.close()


async def test_validate_user_returns_the_asked_address_only_when_it_is_theirs(
    ctx: Context, stub: user_pb2_grpc.UserServiceStub
) -> None:
    user_id, other_id = await _user_with_address(ctx), await _user_with_address(ctx)
    mine = (
        await stub.GetUserAddresses(user_pb2.GetUserAddressesRequest(user_id=user_id))
    ).addresses
    theirs = (
        await stub.GetUserAddresses(user_pb2.GetUserAddressesRequest(user_id=other_id))
    ).addresses
    asked = user_pb2.ValidateUserRequest(user_id=user_id, address_id=mine[0].id)
    reply = await stub.ValidateUser(asked, timeout=5)
    assert reply.valid and reply.HasField("address") and reply.address == mine[0]
    for address_id in (theirs[0].id, str(uuid.uuid4()), ""):
        asked = user_pb2.ValidateUserRequest(user_id=user_id, address_id=address_id)
        reply = await stub.ValidateUser(asked, timeout=5)
        assert reply.valid and not reply.HasField("address")


async def test_validate_users_answers_each_as_validate_user_does(
    ctx: Context, stub: user_pb2_grpc.UserServiceStub
) -> None:
    user_id, other_id = await _user_with_address(ctx), await _user_with_address(ctx)
    mine = (
        await stub.GetUserAddresses(user_pb2.GetUserAddressesRequest(user_id=user_id))
    ).addresses
    asked = [
        user_pb2.ValidateUserRequest(user_id=user_id, address_id=mine[0].id),
        user_pb2.ValidateUserRequest(user_id=str(uuid.uuid4())),
        user_pb2.ValidateUserRequest(user_id=""),
        user_pb2.ValidateUserRequest(user_id=other_id, address_id=mine[0].id),
    ]
    batch = user_pb2.ValidateUsersRequest(requests=asked, request_ids=["only-the-first"])
    reply = await stub.ValidateUsers(batch, timeout=5)
    alone = [await stub.ValidateUser(request, timeout=5) for request in asked]
    assert list(reply.responses) == alone
    assert reply.responses[0].address == mine[0]
    assert [r.valid for r in reply.responses] == [True, False, False, True]
    assert not reply.responses[3].HasField("address")  # not theirs


async def test_validate_users_needs_the_secret(target: str) -> None:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = user_pb2_grpc.UserServiceStub(channel)
        batch = user_pb2.ValidateUsersRequest(requests=[user_pb2.ValidateUserRequest(user_id="x")])
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.ValidateUsers(batch, timeout=5)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
