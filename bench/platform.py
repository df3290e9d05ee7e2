"""A whole platform for benchmarks: fresh PostgreSQL/MariaDB databases, real RabbitMQ."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.databases import (
    create_mysql_database,
    create_postgres_database,
    drop_mysql_database,
    drop_postgres_database,
)
from tests.support.stack import Stack, stack_env, with_replicas

from shop.launcher.specs import service_of


@contextmanager
def bench_platform(
    log_level: str = "WARNING", extra_env: dict[str, str] | None = None, replicas: str = ""
) -> Iterator[Stack]:
    """Every process on free loopback ports, torn down (databases too) afterwards."""
    users_db, users_url = create_mysql_database("shop_bench_users")
    products_db, products_url = create_postgres_database("shop_bench_products")
    orders_db, orders_url = create_postgres_database("shop_bench_orders")
    root = Path(tempfile.mkdtemp(prefix="shop-bench-"))
    data_root = _data_root()
    env = stack_env(
        data_dir=data_root / "data",
        mysql_url=users_url,
        products_url=products_url,
        orders_url=orders_url,
    )
    # Request logging is measured separately; at INFO it costs the gateway about a quarter.
    env["LOG_LEVEL"] = log_level
    env.update(extra_env or {})
    env, plan = with_replicas(env, replicas)
    stack = Stack(env, log_dir=root / "logs")
    finished = False
    try:
        stack.start_planned(plan)
        yield stack
        finished = True
    finally:
        stack.close()
        time.sleep(0.5)
        drop_mysql_database(users_db)
        drop_postgres_database(products_db)
        drop_postgres_database(orders_db)
        # Logs, mail drop and profiles (tens of MB each) go too once the results are
        # written; after a failure they stay, to be read.
        if finished:
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(data_root, ignore_errors=True)
        else:
            print(
                f"the platform's logs are kept in {root}, its data in {data_root}", file=sys.stderr
            )


def _data_root() -> Path:
    """Where the processes' own files go (the worker's SQLite store and its mail drop).

    On tmpfs where there is one. The mail drop writes a new file per event, and on this
    kind of machine the disk is ext4 without a journal, whose inode allocator skips every
    recently deleted inode one by one: after earlier runs deleted their tens of thousands
    of mails, creating one file cost the worker 40 to 300 us of kernel CPU, half of all
    its CPU, and the figure depended on what ran before. The mail drop stands in for an
    SMTP server (SMTP_URL); what a disk does with it is not the platform's cost.
    """
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="shop-bench-data-", dir=shm))
    return Path(tempfile.mkdtemp(prefix="shop-bench-data-"))


def service_pids(stack: Stack, service: str) -> Callable[[], list[int]]:
    """The pids of a service's processes (every replica) at the time of each call."""
    return lambda: [p.pid for n, p in stack.supervisor.procs.items() if service_of(n) == service]
