"""What the SQLite runner does on a connection, whichever thread it is on."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T")


def connect(path: str, *, timeout: float) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; BEGIN is ours.
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        # Stays WAL in the file once set. (The first switch fails, busy timeout or not,
        # while another process writes in rollback-journal mode: then the event is retried.)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


def in_transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], _T]) -> _T:
    # IMMEDIATE, as the engine's: the write lock is taken at BEGIN, so two workers'
    # read-then-write claims serialise instead of failing to upgrade.
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def each_statement(
    conn: sqlite3.Connection, statements: list[tuple[str, tuple[object, ...]]]
) -> list[sqlite3.IntegrityError | None]:
    """The statements in one transaction (a lone one without BEGIN and COMMIT: SQLite
    commits it as it completes); per statement, the constraint it broke or None."""

    def run(conn: sqlite3.Connection) -> list[sqlite3.IntegrityError | None]:
        return [_broken_constraint(conn, sql, parameters) for sql, parameters in statements]

    return run(conn) if len(statements) == 1 else in_transaction(conn, run)


def _broken_constraint(
    conn: sqlite3.Connection, sql: str, parameters: tuple[object, ...]
) -> sqlite3.IntegrityError | None:
    # SQLite backs out only the statement that broke a constraint: the others stand.
    try:
        conn.execute(sql, parameters)
    except sqlite3.IntegrityError as exc:
        return exc
    return None
