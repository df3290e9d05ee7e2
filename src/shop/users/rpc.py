"""gRPC UserService: thin translation between protobuf and the use cases."""

from __future__ import annotations

from typing import Any

import grpc

from shop.common.clock import as_utc
from shop.common.errors import ServiceUnavailable, ValidationFailed
from shop.common.grpc_batch import answer_each
from shop.common.grpc_server import GrpcServer, MethodRecord, start_grpc_server, translate_errors
from shop.protos.shop.user.v1 import user_pb2, user_pb2_grpc
from shop.users import service
from shop.users.context import Context
from shop.users.store.models import Address, User
from shop.users.store.user_reads import AddressCard, UserCard


def user_message(user: User | UserCard) -> user_pb2.User:
    return user_pb2.User(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        created_at=as_utc(user.created_at).isoformat(),
        phone=user.phone or "",
    )


def address_message(address: Address | AddressCard) -> user_pb2.Address:
    return user_pb2.Address(
        id=address.id,
        line1=address.line1,
        line2=address.line2 or "",
        city=address.city,
        state=address.state or "",
        postal_code=address.postal_code,
        country=address.country,
        is_default=address.is_default,
    )


def _user_id(value: str) -> str:
    if not value:
        raise ValidationFailed("user_id is required")
    return value


# A batch's items are counted and logged as the ValidateUser calls they stand for.
_VALIDATE = MethodRecord("users", "ValidateUser")
GRPC_SERVICE_NAME = user_pb2.DESCRIPTOR.services_by_name["UserService"].full_name


async def start_grpc(ctx: Context, *, port: int | None = None, host: str = "0.0.0.0") -> GrpcServer:
    """The gRPC server on USER_SERVICE_GRPC_PORT (or `port`): UserService, health, and the
    gateway-secret interceptor."""
    servicer = UserServicer(ctx)
    return await start_grpc_server(
        port=ctx.settings.user_service_grpc_port if port is None else port,
        secrets=ctx.settings.gateway_secrets,
        register=lambda server: user_pb2_grpc.add_UserServiceServicer_to_server(servicer, server),
        service_names=[GRPC_SERVICE_NAME],
        host=host,
    )


class UserServicer(user_pb2_grpc.UserServiceServicer):
    """Answers the other services' questions about users."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    @translate_errors("users")
    async def GetUser(
        self, request: user_pb2.GetUserRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> user_pb2.GetUserResponse:
        user = await service.get_user(uow=self._ctx.uow(), user_id=_user_id(request.user_id))
        return user_pb2.GetUserResponse(user=user_message(user))

    @translate_errors("users")
    async def GetUserAddresses(
        self, request: user_pb2.GetUserAddressesRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> user_pb2.GetUserAddressesResponse:
        rows = await service.list_addresses(uow=self._ctx.uow(), user_id=_user_id(request.user_id))
        return user_pb2.GetUserAddressesResponse(addresses=[address_message(a) for a in rows])

    @translate_errors("users")
    async def ValidateUser(
        self, request: user_pb2.ValidateUserRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> user_pb2.ValidateUserResponse:
        return await self._validate(request)

    @translate_errors("users")
    async def ValidateUsers(
        self, request: user_pb2.ValidateUsersRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> user_pb2.ValidateUsersResponse:
        outcomes = await answer_each(
            request.requests, request.request_ids, self._validate, record=_VALIDATE
        )
        answers = [o.response for o in outcomes if o.response is not None]
        if len(answers) < len(outcomes):
            # An unknown user is an answer, not an error: what fails one item (the store)
            # fails them all, and the batch says so as one ValidateUser would.
            raise ServiceUnavailable("Service temporarily unavailable")
        return user_pb2.ValidateUsersResponse(responses=answers)

    async def _validate(
        self, request: user_pb2.ValidateUserRequest
    ) -> user_pb2.ValidateUserResponse:
        # An unknown user is an answer here ("not valid"), not an error.
        if not request.user_id:
            return user_pb2.ValidateUserResponse(valid=False, reason="user_id is required")
        user, address = await service.find_user_and_address(
            reads=self._ctx.reads, user_id=request.user_id, address_id=request.address_id
        )
        if user is None:
            return user_pb2.ValidateUserResponse(valid=False, reason="user not found")
        answer = user_pb2.ValidateUserResponse(valid=True, user=user_message(user))
        if address is not None:
            answer.address.CopyFrom(address_message(address))
        return answer
