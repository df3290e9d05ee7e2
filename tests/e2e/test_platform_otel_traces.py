"""OpenTelemetry: one order is one trace, from the gateway through gRPC, the database and
the outbox to the worker that mails it (a platform of its own, exporting to a receiver)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.otlp_receiver import OtlpReceiver, ReceivedSpan
from tests.support.running_stack import running_stack
from tests.support.shopping import new_product, new_shopper, order_body
from tests.support.stack import Stack

SERVER, CLIENT, PRODUCER, CONSUMER = 2, 3, 4, 5


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    found = OtlpReceiver()
    yield found
    found.close()


@pytest.fixture(scope="module")
def traced_stack(
    tmp_path_factory: pytest.TempPathFactory, receiver: OtlpReceiver
) -> Iterator[Stack]:
    tracing = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    root = tmp_path_factory.mktemp("otel")
    with running_stack(root, db_prefix="shop_otel", extra_env=tracing) as platform:
        yield platform


def _trace_of(spans: list[ReceivedSpan], request_id: str) -> list[ReceivedSpan]:
    roots = [
        s
        for s in spans
        if s.service == "gateway"
        and s.kind == SERVER
        and s.attributes.get("shop.request_id") == request_id
    ]
    if not roots:
        return []
    trace_id = roots[0].trace_id
    return sorted((s for s in spans if s.trace_id == trace_id), key=lambda s: s.start_ns)


EXPECTED = {
    "gateway server": lambda s: s.service == "gateway" and s.kind == SERVER,
    "gateway upstream call": lambda s: s.service == "gateway" and s.kind == CLIENT,
    "orders server": lambda s: s.service == "orders" and s.kind == SERVER,
    "users gRPC server": lambda s: (
        s.service == "users" and s.kind == SERVER and "UserService" in s.name
    ),
    "products gRPC server": lambda s: (
        s.service == "products" and s.kind == SERVER and "ProductService/ReserveInventory" in s.name
    ),
    "orders database": lambda s: (
        s.service == "orders"
        and s.kind == CLIENT
        and any(key.startswith("db.") for key in s.attributes)
    ),
    "outbox publish": lambda s: s.service == "orders" and s.name == "outbox publish order.created",
    "worker": lambda s: s.service == "notifications" and s.name == "handle order.created",
}


# Its own platform starts inside the test's time (five processes, instrumented): on a loaded
# machine that alone can pass the default two minutes.
@pytest.mark.timeout(420)
def test_an_order_is_one_trace_across_every_hop(
    traced_stack: Stack, receiver: OtlpReceiver
) -> None:
    stack = traced_stack
    for base in (stack.gateway_url, stack.url("orders")):  # probes make no spans
        assert httpx.get(f"{base}/health/ready", timeout=10).status_code == 200
    shopper = new_shopper(stack)
    product = new_product(stack, stock=2)
    request_id = f"otel-{uuid.uuid4().hex[:12]}"
    resp = stack.client.post(
        "/orders",
        json=order_body(shopper, [(product, 1)]),
        headers={**shopper.headers, "X-Request-ID": request_id},
    )
    assert resp.status_code == 201, resp.text

    missing: list[str] = list(EXPECTED)
    trace: list[ReceivedSpan] = []
    deadline = time.monotonic() + 30
    while missing and time.monotonic() < deadline:
        time.sleep(0.3)
        trace = _trace_of(receiver.snapshot(), request_id)
        missing = [name for name, match in EXPECTED.items() if not any(map(match, trace))]
    print("trace:", *(f"{s.service}: {s.name}" for s in trace), sep="\n  ")
    received = sorted({(s.service, s.kind, s.name) for s in receiver.snapshot()})
    assert not missing, f"no span for {missing} in the trace; received: {received}"

    health_checks = [s.name for s in receiver.snapshot() if "grpc.health" in s.name]
    assert not health_checks, "readiness probes must not be traced"

    # One tree: every span but the root has its parent in the trace.
    ids = {s.span_id for s in trace}
    roots = [s for s in trace if s.parent_span_id not in ids]
    assert len(roots) == 1 and roots[0].service == "gateway", roots
    # The request id is recorded on the spans of every process that served the request.
    for service in ("gateway", "orders", "users", "products", "notifications"):
        tagged = [s for s in trace if s.service == service]
        assert any(s.attributes.get("shop.request_id") == request_id for s in tagged), service
