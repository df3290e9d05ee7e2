"""Crash recovery with real processes: the order service killed -9 inside the saga (and the
client's retry answered by another replica), and the product service killed while
reservations are in flight. Every order must end CONFIRMED (paid once, stock committed) or
FAILED (nothing charged, nothing held)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from shop.common.ids import new_id
from tests.support.ports import free_port
from tests.support.shopping import (
    assert_ledger_matches,
    new_product,
    new_shopper,
    order_body,
    place,
    stock_of,
    wait_until_settled,
)
from tests.support.stack import Stack

FAST_RECOVERY = {"ORDER_RECOVERY_GRACE_SECONDS": "1", "ORDER_RECOVERY_INTERVAL_SECONDS": "1"}


def _wait_dead(stack: Stack, name: str, timeout: float = 30) -> None:
    proc = stack.supervisor.procs[name]
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is not None, f"{name} did not crash"
    stack.kill(name)  # forget the dead process


@pytest.fixture
def fast_recovery(stack: Stack) -> object:
    stack.restart("orders", extra_env=FAST_RECOVERY)
    yield None
    stack.restart("orders")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("point", "final", "ledger"),
    [("after_reserve", "FAILED", []), ("after_payment", "CONFIRMED", ["SUCCEEDED"])],
)
def test_order_service_killed_inside_the_saga(
    stack: Stack, fast_recovery: object, point: str, final: str, ledger: list[str]
) -> None:
    shopper, product = new_shopper(stack), new_product(stack, stock=4)
    stack.restart("orders", extra_env={**FAST_RECOVERY, "ORDER_FAULT_INJECT": point})
    resp = place(stack, shopper, [(product, 3)])
    assert resp.status_code >= 500  # the process died under the request
    _wait_dead(stack, "orders")
    stack.start("orders", extra_env=FAST_RECOVERY)
    (order,) = wait_until_settled(stack, shopper)
    assert order["status"] == final
    assert stock_of(stack, product) == (1 if final == "CONFIRMED" else 4)
    assert_ledger_matches(stack, [order])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("point", "code", "final", "stock"),
    [("after_reserve", 503, "FAILED", 4), ("after_payment", 201, "CONFIRMED", 1)],
)
def test_a_retry_on_another_replica_answers_for_a_driver_that_died(
    stack: Stack, point: str, code: int, final: str, stock: int
) -> None:
    """The retry (same Idempotency-Key) gets the order's real end within seconds: the
    survivor takes over the order once the dead driver's lease runs out. The recovery
    loops keep their 10 s grace, so they cannot be what answers."""
    shopper, product = new_shopper(stack), new_product(stack, stock=4)
    ports = {"ORDER_SERVICE_PORT": str(free_port()), "ORDER_SERVICE_GRPC_PORT": str(free_port())}
    key = new_id()
    headers = {
        "x-gateway-secret": stack.secret,
        "x-user-id": shopper.user_id,
        "x-user-email": "shopper@example.com",
        "x-user-role": "user",
        "Idempotency-Key": key,
    }
    stack.start("orders-2", extra_env=ports)
    try:
        stack.restart("orders", extra_env={"ORDER_FAULT_INJECT": point})
        first = place(stack, shopper, [(product, 3)], key=key)
        assert first.status_code >= 500  # the process died under the request
        died = time.monotonic()
        retry = httpx.post(
            f"http://127.0.0.1:{ports['ORDER_SERVICE_PORT']}/orders",
            json=order_body(shopper, [(product, 3)]),
            headers=headers,
            timeout=60,
        )
        took = time.monotonic() - died
    finally:
        stack.kill("orders-2")
        _wait_dead(stack, "orders")
        stack.start("orders")
    print(f"retry answered {retry.status_code} {took:.2f} s after the crash")
    assert retry.status_code == code, retry.text
    assert "still being processed" not in retry.text  # the order's end, not a wait's
    assert took < 5, took
    (order,) = wait_until_settled(stack, shopper)
    assert order["status"] == final
    if code == 201:
        assert retry.json()["data"]["id"] == order["id"]
    assert stock_of(stack, product) == stock
    assert_ledger_matches(stack, [order])


@pytest.mark.slow
async def test_product_service_killed_mid_reservation(stack: Stack, fast_recovery: object) -> None:
    product = new_product(stack, stock=100)
    shoppers = [new_shopper(stack) for _ in range(30)]

    async def buy(client: httpx.AsyncClient, index: int) -> int:
        # Only the product service dies: the gateway and order service must answer every one.
        shopper = shoppers[index]
        resp = await client.post(
            "/orders", json=order_body(shopper, [(product, 2)]), headers=shopper.headers
        )
        return resp.status_code

    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60) as client:
        burst = [asyncio.create_task(buy(client, i)) for i in range(len(shoppers))]
        await asyncio.sleep(0.15)
        await asyncio.to_thread(stack.kill, "products")
        codes = await asyncio.gather(*burst)
    assert all(code in {201, 409, 502, 503, 504} for code in codes), codes
    await asyncio.to_thread(stack.start, "products")

    settled = [await asyncio.to_thread(wait_until_settled, stack, s, 90) for s in shoppers]
    orders = [o for batch in settled for o in batch]
    assert {o["status"] for o in orders} <= {"CONFIRMED", "FAILED"}
    confirmed_units = sum(2 for o in orders if o["status"] == "CONFIRMED")
    assert stock_of(stack, product) == 100 - confirmed_units
    assert_ledger_matches(stack, orders)
