"""One request id, end to end: gateway, order service, its gRPC peers, and the event."""

from __future__ import annotations

import uuid

import orjson

from tests.support.events import bound_queue, first_matching
from tests.support.shopping import new_product, new_shopper, order_body
from tests.support.stack import Stack


def _logged_with(stack: Stack, service: str, request_id: str) -> list[dict[str, object]]:
    lines = []
    for raw in stack.logs(service).splitlines():
        if request_id in raw:
            lines.append(orjson.loads(raw))
    return lines


async def test_an_order_carries_its_request_id_everywhere(stack: Stack) -> None:
    shopper = new_shopper(stack)
    product = new_product(stack, stock=3)
    request_id = f"trace-{uuid.uuid4().hex[:12]}"
    async with bound_queue("order.created") as queue:
        resp = stack.client.post(
            "/orders",
            json=order_body(shopper, [(product, 1)]),
            headers={**shopper.headers, "X-Request-ID": request_id},
        )
        assert resp.status_code == 201, resp.text
        assert resp.headers["x-request-id"] == request_id
        order_id = resp.json()["data"]["id"]
        found = await first_matching(
            queue, lambda e: e["data"].get("orderId") == order_id, within=15
        )
    assert found is not None
    event, message = found
    assert event["requestid"] == request_id
    assert (message.headers or {}).get("x-request-id") == request_id
    for service in ("gateway", "orders", "users", "products"):
        lines = _logged_with(stack, service, request_id)
        assert lines, f"{service} logged nothing for the request"
        assert all(line.get("request_id") == request_id for line in lines), service
    rpc_methods = {line.get("method") for line in _logged_with(stack, "products", request_id)}
    assert {"ReserveInventory", "ReduceInventory"} <= rpc_methods
