"""A whole platform for the length of a block: fresh databases and every process."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.support.databases import platform_databases
from tests.support.stack import Stack, stack_env, with_replicas

PROCESSES = ("gateway", "users", "products", "orders", "notifications")


@contextmanager
def running_stack(
    root: Path,
    *,
    db_prefix: str,
    extra_env: Mapping[str, str] | None = None,
    replicas: str | None = None,
) -> Iterator[Stack]:
    """Every process on fresh databases; stopped and dropped when the block ends."""
    with platform_databases(db_prefix) as databases:
        env = stack_env(
            data_dir=root / "data",
            mysql_url=databases.users,
            products_url=databases.products,
            orders_url=databases.orders,
        )
        env.update(extra_env or {})
        plan = None
        if replicas:
            env, plan = with_replicas(env, replicas)
        stack = Stack(env, log_dir=root / "logs")
        try:
            if plan is None:
                stack.supervisor.start_all()
            else:
                stack.start_planned(plan)
            yield stack
        except Exception:
            for name in PROCESSES:
                print(f"----- {name} log -----\n{stack.logs(name)[-4000:]}")
            raise
        finally:
            stack.close()
