"""Two replicas of every service behind one gateway: one of each killed -9 under load, and
no client sees an error beyond the requests that were in flight on the killed ones."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_orders_support import new_product, new_shopper, place
from tests.support.databases import (
    create_mysql_database,
    create_postgres_database,
    drop_mysql_database,
    drop_postgres_database,
)
from tests.support.stack import Stack, stack_env, with_replicas

# Eight processes to start: on a loaded machine that alone can pass the default timeout.
pytestmark = pytest.mark.timeout(600)

_SCALED = ("users", "products", "orders")
_WORKERS = 6


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    users_db, users_url = create_mysql_database("shop_e2e_rep_users")
    products_db, products_url = create_postgres_database("shop_e2e_rep_products")
    orders_db, orders_url = create_postgres_database("shop_e2e_rep_orders")
    root: Path = tmp_path_factory.mktemp("replicas")
    env = stack_env(
        data_dir=root / "data",
        mysql_url=users_url,
        products_url=products_url,
        orders_url=orders_url,
    )
    shared, plan = with_replicas(env, ",".join(f"{name}=2" for name in _SCALED))
    stack = Stack(shared, log_dir=root / "logs")
    try:
        stack.start_planned(plan)
        yield stack
    finally:
        stack.close()
        drop_mysql_database(users_db)
        drop_postgres_database(products_db)
        drop_postgres_database(orders_db)


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
