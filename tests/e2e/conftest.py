"""The `stack` fixture: every process of the platform, real databases, real broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import (
    create_mysql_database,
    create_postgres_database,
    drop_mysql_database,
    drop_postgres_database,
)
from tests.support.stack import Stack, stack_env


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The platform, started once per session (services are restarted by crash tests)."""
    users_db, users_url = create_mysql_database("shop_e2e_users")
    products_db, products_url = create_postgres_database("shop_e2e_products")
    orders_db, orders_url = create_postgres_database("shop_e2e_orders")
    root: Path = tmp_path_factory.mktemp("stack")
    env = stack_env(
        data_dir=root / "data",
        mysql_url=users_url,
        products_url=products_url,
        orders_url=orders_url,
    )
    platform = Stack(env, log_dir=root / "logs")
    try:
        platform.supervisor.start_all()
        yield platform
    except Exception:
        for name in ("users", "products", "orders", "gateway"):
            print(f"----- {name} log -----\n{platform.logs(name)[-4000:]}")
        raise
    finally:
        platform.close()
        drop_mysql_database(users_db)
        drop_postgres_database(products_db)
        drop_postgres_database(orders_db)
