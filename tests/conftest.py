"""Fixtures every layer may use: fresh real databases, one per test package, dropped after."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.databases import (
    create_mysql_database,
    create_postgres_database,
    drop_mysql_database,
    drop_postgres_database,
)


class DatabasePool:
    """Creates a database the first time a key asks for one; drops them all at the end.

    Keyed by test package, because each service migrates its own database and two
    services' Alembic histories must never meet in one.
    """

    def __init__(self) -> None:
        self._urls: dict[tuple[str, str], str] = {}
        self._drops: list[Callable[[], None]] = []

    def postgres(self, key: str) -> str:
        if ("pg", key) not in self._urls:
            name, url = create_postgres_database(f"shop_test_{key}")
            self._urls["pg", key] = url
            self._drops.append(lambda: drop_postgres_database(name))
        return self._urls["pg", key]

    def mysql(self, key: str) -> str:
        if ("my", key) not in self._urls:
            name, url = create_mysql_database(f"shop_test_{key}")
            self._urls["my", key] = url
            self._drops.append(lambda: drop_mysql_database(name))
        return self._urls["my", key]

    def drop_all(self) -> None:
        for drop in self._drops:
            drop()


@pytest.fixture(scope="session")
def databases() -> Iterator[DatabasePool]:
    pool = DatabasePool()
    yield pool
    pool.drop_all()


def _package_of(request: pytest.FixtureRequest) -> str:
    return request.path.parent.name


@pytest.fixture
def mysql_url(request: pytest.FixtureRequest, databases: DatabasePool) -> str:
    """A fresh MariaDB database shared by the tests of one package."""
    return databases.mysql(_package_of(request))


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest, databases: DatabasePool) -> str:
    """A fresh PostgreSQL database shared by the tests of one package."""
    return databases.postgres(_package_of(request))
