"""The composition root: settings -> engine -> peers -> context -> REST app and gRPC server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import grpc
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.background import running
from shop.common.db import session_factory
from shop.common.grpc_client import open_channel
from shop.common.grpc_server import GrpcServer, start_grpc_server
from shop.common.http_app import create_service_app
from shop.common.outbox_relay import OutboxRelay
from shop.orders.api import router
from shop.orders.clients import ProductClient, UserClient
from shop.orders.context import OrderContext
from shop.orders.faults import FaultInjector
from shop.orders.models import outbox
from shop.orders.payments import MockPaymentProvider, PaymentProvider
from shop.orders.peers import Peer
from shop.orders.recovery import run_recovery_loop
from shop.orders.resilience import CircuitBreaker, RetryPolicy
from shop.orders.rpc import SERVICE_NAME, OrderServicer
from shop.orders.settings import OrderSettings
from shop.protos.shop.order.v1 import order_pb2_grpc


@dataclass
class OrderService:
    settings: OrderSettings
    engine: AsyncEngine
    ctx: OrderContext
    channels: list[grpc.aio.Channel] = field(default_factory=list)


def _peer(settings: OrderSettings, name: str) -> Peer:
    return Peer(
        name=name,
        breaker=CircuitBreaker(
            name=name,
            threshold=settings.breaker_failure_threshold,
            reset_seconds=settings.breaker_reset_seconds,
        ),
        retry=RetryPolicy(
            attempts=settings.grpc_retry_attempts,
            base_seconds=settings.grpc_retry_base_seconds,
            max_seconds=settings.grpc_retry_max_seconds,
        ),
        deadline_seconds=settings.grpc_deadline_seconds,
    )


def build(
    *, settings: OrderSettings, engine: AsyncEngine, payments: PaymentProvider | None = None
) -> OrderService:
    """Everything the process runs, wired from settings (tests pass other parts)."""
    sessions = session_factory(engine)
    secret = settings.gateway_secrets[0]
    user_channel = open_channel(settings.user_service_grpc, secret=secret)
    product_channel = open_channel(settings.product_service_grpc, secret=secret)
    ctx = OrderContext(
        sessions=sessions,
        outbox=outbox,
        users=UserClient(user_channel, _peer(settings, "user")),
        products=ProductClient(product_channel, _peer(settings, "product")),
        payments=payments or MockPaymentProvider(sessions),
        wake_relay=asyncio.Event(),
        reservation_ttl_seconds=settings.order_reservation_ttl_seconds,
        idempotency_wait_seconds=settings.idempotency_wait_seconds,
        recovery_grace_seconds=settings.order_recovery_grace_seconds,
        faults=FaultInjector(settings.order_fault_inject),
    )
    return OrderService(settings, engine, ctx, [user_channel, product_channel])


def create_app(service: OrderService, *, background: bool = True) -> FastAPI:
    """The REST app; its lifespan runs the outbox relay and the recovery loop."""
    settings, ctx = service.settings, service.ctx

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loops = []
        if background:
            interval = settings.order_recovery_interval_seconds
            loops.append(run_recovery_loop(ctx, interval_seconds=interval))
            if settings.rabbitmq_url is not None and ctx.wake_relay is not None:
                relay = OutboxRelay(
                    engine=service.engine,
                    outbox=outbox,
                    rabbitmq_url=settings.rabbitmq_url,
                    service="orders",
                    wake=ctx.wake_relay,
                    poll_seconds=settings.outbox_poll_seconds,
                    retention_hours=settings.outbox_retention_hours,
                )
                loops.append(relay.run())
        try:
            async with running(*loops):
                yield
        finally:
            for channel in service.channels:
                await channel.close()

    app = create_service_app(
        service="orders",
        gateway_secrets=settings.gateway_secrets,
        routers=[router],
        lifespan=lifespan,
    )
    app.state.orders = ctx
    return app


async def start_grpc(service: OrderService) -> GrpcServer:
    servicer = OrderServicer(service.ctx)
    return await start_grpc_server(
        port=service.settings.order_service_grpc_port,
        secrets=service.settings.gateway_secrets,
        register=lambda server: order_pb2_grpc.add_OrderServiceServicer_to_server(servicer, server),
        service_names=[SERVICE_NAME],
    )
