"""The SDK side of tracing, imported only when tracing is on (see tracing.py)."""

from __future__ import annotations

import os

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.aio_pika import AioPikaInstrumentor
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.grpc import (
    GrpcAioInstrumentorClient,
    GrpcAioInstrumentorServer,
    filters,
)
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shop.common.context import REQUEST_ID_HEADER, get_request_id
from shop.common.tracing import REQUEST_ID_ATTRIBUTE

_REQUEST_ID = REQUEST_ID_HEADER.encode()
# Probes and scrapes would drown the traces that matter.
_EXCLUDED_URLS = "/health,/health/ready,/metrics"
_GRPC_HEALTH = "grpc.health.v1.Health"


class RequestIdProcessor(SpanProcessor):
    """Records the request id on every span started while one is bound."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        request_id = get_request_id()
        if request_id:
            span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)

    def on_end(self, span: ReadableSpan) -> None:
        pass


class RequestIdOnServerSpan:
    """ASGI middleware inside the OpenTelemetry one: a server span starts before the request
    id is chosen, and every answer carries it, so it is recorded from the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        span = trace.get_current_span()

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start" and span.is_recording():
                for key, value in message.get("headers", ()):
                    if key.lower() == _REQUEST_ID:
                        span.set_attribute(REQUEST_ID_ATTRIBUTE, value.decode("latin-1"))
            await send(message)

        await self.app(scope, receive, send_tagged)


def install(service: str) -> None:
    """The tracer provider (OTLP/HTTP, batched) and every instrumentation this project uses."""
    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": service}
    provider = TracerProvider(resource=Resource.create(attributes))
    provider.add_span_processor(RequestIdProcessor())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    AioHttpClientInstrumentor().instrument()
    # Health checks (kubelet probes, our readiness) would bury the traces that matter.
    not_health = filters.negate(filters.service_name(_GRPC_HEALTH))
    GrpcAioInstrumentorServer(filter_=not_health).instrument()  # type: ignore[no-untyped-call]
    GrpcAioInstrumentorClient(filter_=not_health).instrument()  # type: ignore[no-untyped-call]
    # Its declared range stops below SQLAlchemy 2.1; the engine events it hooks are unchanged
    # in 2.1 (the end-to-end trace test checks the database spans).
    SQLAlchemyInstrumentor().instrument(skip_dep_check=True)
    AioPikaInstrumentor().instrument()


def instrument_fastapi_app(app: FastAPI) -> None:
    app.add_middleware(RequestIdOnServerSpan)
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls=_EXCLUDED_URLS, exclude_spans=["receive", "send"]
    )


def asgi_middleware(app: ASGIApp) -> ASGIApp:
    return OpenTelemetryMiddleware(
        RequestIdOnServerSpan(app), excluded_urls=_EXCLUDED_URLS, exclude_spans=["receive", "send"]
    )
