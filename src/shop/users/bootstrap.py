"""The composition root: settings -> engine -> unit of work -> REST app and gRPC server."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from shop.common.background import running
from shop.common.grpc_server import GrpcServer, start_grpc_server
from shop.common.http_app import create_service_app
from shop.common.logging import get_logger
from shop.common.outbox_relay import OutboxRelay
from shop.common.readiness import database_probe, service_checks
from shop.protos.shop.user.v1 import user_pb2, user_pb2_grpc
from shop.users import auth
from shop.users.api import router
from shop.users.container import UserContext
from shop.users.rpc import UserServicer
from shop.users.store.models import outbox

SERVICE = "users"
GRPC_SERVICE_NAME = user_pb2.DESCRIPTOR.services_by_name["UserService"].full_name
log = get_logger("shop.users")


async def ensure_admin(ctx: UserContext) -> None:
    """Creates or promotes the ADMIN_EMAIL account when ADMIN_EMAIL and ADMIN_PASSWORD are set."""
    email, password = ctx.settings.admin_email, ctx.settings.admin_password
    if not email or not password:
        return
    user = await auth.ensure_admin(
        uow=ctx.uow(), passwords=ctx.passwords, email=email, password=password
    )
    log.info("admin_ensured", user_id=user.id)


def create_app(ctx: UserContext) -> FastAPI:
    """The REST app; its lifespan runs the outbox relay when a broker is configured."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        url = ctx.settings.rabbitmq_url
        if url is None:
            log.warning("no_broker_configured")
            yield
            return
        relay = OutboxRelay(
            engine=ctx.engine,
            outbox=outbox,
            rabbitmq_url=url,
            service=SERVICE,
            wake=ctx.wake,
            poll_seconds=ctx.settings.outbox_poll_seconds,
            retention_hours=ctx.settings.outbox_retention_hours,
        )
        async with running(relay.run()):
            yield

    app = create_service_app(
        service=SERVICE,
        gateway_secrets=ctx.settings.gateway_secrets,
        routers=[router],
        lifespan=lifespan,
        checks=service_checks(
            database=database_probe(ctx.engine), rabbitmq_url=ctx.settings.rabbitmq_url
        ),
    )
    app.state.users = ctx
    return app


async def start_grpc(ctx: UserContext, *, port: int, host: str = "0.0.0.0") -> GrpcServer:
    """The started gRPC server: UserService, health, and the gateway-secret interceptor."""
    servicer = UserServicer(ctx)
    return await start_grpc_server(
        port=port,
        secrets=ctx.settings.gateway_secrets,
        register=lambda server: user_pb2_grpc.add_UserServiceServicer_to_server(servicer, server),
        service_names=[GRPC_SERVICE_NAME],
        host=host,
    )
