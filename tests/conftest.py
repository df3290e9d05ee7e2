"""Fixtures every layer may use: fresh real databases, cleaned up after the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.databases import (
    create_mysql_database,
    create_postgres_database,
    drop_mysql_database,
    drop_postgres_database,
)


@pytest.fixture(scope="session")
def mysql_url() -> Iterator[str]:
    """A fresh MariaDB database for this test session."""
    name, url = create_mysql_database("shop_test")
    yield url
    drop_mysql_database(name)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session."""
    name, url = create_postgres_database("shop_test")
    yield url
    drop_postgres_database(name)
