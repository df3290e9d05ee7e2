"""A whole platform for the length of a block: fresh databases, every process, and a scan
of what they logged once they stop."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.support.databases import platform_databases
from tests.support.log_hygiene import check_logs
from tests.support.stack import Stack, stack_env, with_replicas

PROCESSES = ("gateway", "users", "products", "orders", "notifications")


@contextmanager
def running_stack(
    root: Path,
    *,
    db_prefix: str,
    extra_env: Mapping[str, str] | None = None,
    replicas: str | None = None,
    check_log_hygiene: bool = False,
) -> Iterator[Stack]:
    """Every process on fresh databases; stopped and dropped when the block ends.

    With `check_log_hygiene`, the logs are scanned once every process has stopped (so each
    has flushed its last line), and a leaked secret or a stack trace fails the block's exit.
    """
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
        if check_log_hygiene:
            logs = {name: stack.logs(name) for name in PROCESSES}
            check_logs(logs, stack.known_secrets, where=str(stack.log_dir))
