"""A deadlock victim is told apart from a duplicate key and from an outage."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, OperationalError

from shop.common.errors import is_deadlock


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__("boom")
        self.sqlstate = sqlstate


def test_mariadb_deadlock_is_a_deadlock() -> None:
    exc = OperationalError("INSERT", {}, Exception(1213, "Deadlock found"))
    assert is_deadlock(exc)


def test_postgres_deadlock_and_serialization_failure_are_deadlocks() -> None:
    assert is_deadlock(OperationalError("UPDATE", {}, _PgError("40P01")))
    assert is_deadlock(OperationalError("UPDATE", {}, _PgError("40001")))


def test_duplicate_key_and_refused_connection_are_not() -> None:
    assert not is_deadlock(IntegrityError("INSERT", {}, Exception(1062, "Duplicate entry")))
    assert not is_deadlock(OperationalError("connect", {}, Exception(2003, "Can't connect")))
    assert not is_deadlock(ConnectionRefusedError(111, "refused"))
