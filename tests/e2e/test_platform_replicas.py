"""Two replicas of every service behind one gateway: one of each killed -9 under load, and
no client sees an error beyond the requests that were in flight on the killed ones."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.running_stack import running_stack
from tests.support.shopping import new_product, new_shopper, place
from tests.support.stack import Stack

# Eight processes to start: on a loaded machine that alone can pass the default timeout.
pytestmark = pytest.mark.timeout(600)

_SCALED = ("users", "products", "orders")
_WORKERS = 6


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("replicas")
    replicas = ",".join(f"{name}=2" for name in _SCALED)
    with running_stack(root, db_prefix="shop_e2e_rep", replicas=replicas) as stack:
        yield stack


@pytest.mark.slow
def test_one_replica_of_each_killed_under_load(replicated: Stack) -> None:
    stack = replicated
    assert "," in stack.env["ORDER_SERVICE_URL"] and "," in stack.env["PRODUCT_SERVICE_GRPC"]
    shopper, product = new_shopper(stack), new_product(stack, stock=100_000)
    # (started at, status; 0 for a transport error)
    outcomes: list[tuple[float, int]] = []
    stop = threading.Event()

    def shop(worker: int) -> None:
        with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
            n = 0
            while not stop.is_set():
                n += 1
                started = time.monotonic()
                try:
                    if n % 2:
                        key = f"rep-{worker}-{n}-{uuid.uuid4().hex[:6]}"
                        status = place(stack, shopper, [(product, 1)], key=key, client=client)
                    else:
                        status = client.get(f"/products/{product}")
                    code = status.status_code
                except httpx.HTTPError:
                    code = 0
                outcomes.append((started, code))

    threads = [threading.Thread(target=shop, args=(i,)) for i in range(_WORKERS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        killed_at = time.monotonic()
        for name in _SCALED:
            stack.kill(f"{name}-2")
        time.sleep(6)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    bad = [(t, code) for t, code in outcomes if code not in (200, 201)]
    before = [o for o in outcomes if o[0] < killed_at]
    # Sent once the killed replicas had had a moment to be noticed: none may fail.
    after = [o for o in outcomes if o[0] > killed_at + 1]
    assert len(before) > 10 and len(after) > 10, (len(before), len(after))
    # Only a request in flight on a killed replica may fail: at most one per client.
    assert len(bad) <= _WORKERS, bad
    assert not [o for o in after if o[1] not in (200, 201)], "errors after the kill"
    stock = stack.client.get(f"/products/{product}").json()["data"]["stock"]
    assert stock <= 100_000 - sum(1 for _, code in outcomes if code == 201)
