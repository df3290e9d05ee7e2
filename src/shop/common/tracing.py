"""OpenTelemetry tracing: off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.

Off, nothing from the SDK or the instrumentations is imported and every helper here is a
constant-time no-op, so the gateway's hot path pays nothing. On, spans go out over OTLP/HTTP,
the `OTEL_*` variables mean what the SDK says they mean, and the maintained instrumentations
(ASGI/FastAPI, aiohttp client, gRPC aio, SQLAlchemy, aio-pika) make the spans. The outbox
hand-off has no instrumentation, so the event carries the W3C `traceparent` of the request
that caused it (a CloudEvents extension attribute, stored with the outbox row), and the
publish and consume spans below are opened as its children.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

_enabled = False
# What the span helpers below give while tracing is off: one shared do-nothing context (it
# is reentrant), not a generator-based context manager built per call. They wrap every
# asyncpg statement and every event published or handled, so callers need no check of
# their own to keep tracing off free.
_OFF: AbstractContextManager[None] = contextlib.nullcontext()
TRACEPARENT = "traceparent"
REQUEST_ID_ATTRIBUTE = "shop.request_id"


def enabled() -> bool:
    return _enabled


def configure_tracing(service: str) -> bool:
    """Sets up the SDK and the instrumentations for this process; False when tracing is off.

    Call once at start-up, before engines, channels, sessions or apps are created: the
    instrumentations patch their constructors.
    """
    global _enabled
    endpoint_vars = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if _enabled or not any(os.environ.get(name) for name in endpoint_vars):
        return _enabled
    from shop.common.tracing_setup import install

    install(service)
    _enabled = True
    return True


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, for an event written now; None when off."""
    if not _enabled:
        return None
    from opentelemetry.propagate import inject

    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get(TRACEPARENT)


@contextlib.contextmanager
def _child_span(name: str, kind_name: str, event: Mapping[str, Any]) -> Iterator[None]:
    from opentelemetry import context, trace
    from opentelemetry.propagate import extract

    parent = extract({TRACEPARENT: str(event.get(TRACEPARENT) or "")})
    tracer = trace.get_tracer("shop.events")
    attributes = {
        "messaging.system": "rabbitmq",
        "messaging.destination.name": "shop.events",
        "messaging.message.id": str(event.get("id", "")),
        "cloudevents.event_type": str(event.get("type", "")),
        REQUEST_ID_ATTRIBUTE: str(event.get("requestid") or ""),
    }
    token = context.attach(parent)
    try:
        kind = getattr(trace.SpanKind, kind_name)
        with tracer.start_as_current_span(name, kind=kind, attributes=attributes):
            yield
    finally:
        context.detach(token)


def publishing(event: Mapping[str, Any]) -> AbstractContextManager[None]:
    """Wraps the relay's publish of one outbox event: a span in the trace that wrote it."""
    if not _enabled:
        return _OFF
    return _child_span(f"outbox publish {event.get('type', '')}", "PRODUCER", event)


def consuming(event: Mapping[str, Any]) -> AbstractContextManager[None]:
    """Wraps a consumer's handling of one event: a span in the trace that caused it."""
    if not _enabled:
        return _OFF
    return _child_span(f"handle {event.get('type', '')}", "CONSUMER", event)


@contextlib.contextmanager
def client_call(name: str, url: str) -> Iterator[list[tuple[bytes, bytes]]]:
    """A CLIENT span around an outgoing HTTP call made without an instrumented client (the
    gateway's own pool); yields the headers that carry the span to the callee. Off, it
    yields no headers and costs nothing."""
    if not _enabled:
        yield []
        return
    from opentelemetry import trace
    from opentelemetry.propagate import inject

    tracer = trace.get_tracer("shop.http")
    attributes = {"http.request.method": name.split(" ", 1)[0], "url.full": url}
    with tracer.start_as_current_span(name, kind=trace.SpanKind.CLIENT, attributes=attributes):
        carrier: dict[str, str] = {}
        inject(carrier)
        yield [(key.encode("latin-1"), value.encode("latin-1")) for key, value in carrier.items()]


def database_call(system: str, statement: str) -> AbstractContextManager[None]:
    """A CLIENT span around a statement sent on a driver no instrumentation covers (our
    asyncpg hot paths), named and tagged as SQLAlchemy's instrumentation tags its own."""
    if not _enabled:
        return _OFF
    return _database_span(system, statement)


@contextlib.contextmanager
def _database_span(system: str, statement: str) -> Iterator[None]:
    from opentelemetry import trace

    tracer = trace.get_tracer("shop.db")
    attributes = {"db.system": system, "db.statement": statement}
    name = statement.split(None, 1)[0].upper() if statement.strip() else system
    with tracer.start_as_current_span(name, kind=trace.SpanKind.CLIENT, attributes=attributes):
        yield


def untraced() -> AbstractContextManager[Any]:
    """No spans inside (readiness probes every few seconds would bury the traces that matter)."""
    if not _enabled:
        return _OFF
    from opentelemetry.instrumentation.utils import suppress_instrumentation

    return suppress_instrumentation()


def instrument_fastapi(app: Any) -> None:
    """Server spans for a service's FastAPI app (no-op when off)."""
    if not _enabled:
        return
    from shop.common.tracing_setup import instrument_fastapi_app

    instrument_fastapi_app(app)


def wrap_asgi(app: Any) -> Any:
    """The gateway's ASGI app inside the OpenTelemetry middleware; the app itself when off."""
    if not _enabled:
        return app
    from shop.common.tracing_setup import asgi_middleware

    return asgi_middleware(app)
