"""The deliveries table on SQLite and PostgreSQL (migrated by Alembic): claims and leases.

A SQLite file goes through the stdlib driver directly; with options in its URL, through the
engine as every other database does. Both read what the other wrote.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shop.common.db import create_engine
from shop.notifications.events import IncomingEvent
from shop.notifications.failures import TransientFailure
from shop.notifications.store import Claim, DeliveryStore, migrate, sqlite_runner, sqlite_statements


@pytest.fixture(params=["sqlite", "sqlite-engine", "postgresql"])
async def deliveries(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DeliveryStore]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"
    elif request.param == "sqlite-engine":
        url = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}?timeout=30"
    else:
        url = request.getfixturevalue("postgres_url")
    await migrate(url)
    engine = create_engine(url)
    store = DeliveryStore(engine)
    yield store
    await store.close()
    await engine.dispose()


def _event() -> IncomingEvent:
    return IncomingEvent(id=uuid.uuid4().hex, type="user.registered", data={}, request_id=None)


async def _claim(
    deliveries: DeliveryStore, event: IncomingEvent, worker: str, lease: float
) -> Claim:
    return await deliveries.claim(
        event,
        recipient="a@b.c",
        subject="s",
        worker_id=worker,
        lease=timedelta(seconds=lease),
    )


async def test_a_fresh_claim_keeps_other_workers_out_until_sent(deliveries: DeliveryStore) -> None:
    event = _event()
    assert await _claim(deliveries, event, "w1", 30) is Claim.MINE
    with pytest.raises(TransientFailure):
        await _claim(deliveries, event, "w2", 30)
    assert await _claim(deliveries, event, "w1", 30) is Claim.MINE  # its own retry
    await deliveries.mark_sent(event.id)
    assert await deliveries.is_sent(event.id)
    assert await _claim(deliveries, event, "w2", 30) is Claim.ALREADY_SENT


async def test_an_expired_claim_is_taken_over(deliveries: DeliveryStore) -> None:
    event = _event()
    assert await _claim(deliveries, event, "dead-worker", 30) is Claim.MINE
    assert await _claim(deliveries, event, "w2", 0.0) is Claim.MINE
    assert not await deliveries.is_sent(event.id)


async def test_sqlite_direct_and_engine_paths_read_each_others_rows(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"
    await migrate(url)
    direct_engine, engine = create_engine(url), create_engine(f"{url}?timeout=30")
    direct, through_engine = DeliveryStore(direct_engine), DeliveryStore(engine)
    try:
        first, second = _event(), _event()
        assert await _claim(direct, first, "w1", 30) is Claim.MINE
        with pytest.raises(TransientFailure):
            await _claim(through_engine, first, "w2", 30)
        # The takeover compares the stored claimed_at: both write the same text for it.
        assert await _claim(through_engine, first, "w2", 0.0) is Claim.MINE
        assert await _claim(direct, first, "w3", 0.0) is Claim.MINE
        await through_engine.mark_sent(first.id)
        assert await direct.is_sent(first.id)
        assert await _claim(direct, first, "w1", 0.0) is Claim.ALREADY_SENT
        assert await _claim(through_engine, second, "w2", 30) is Claim.MINE
        await direct.mark_sent(second.id)
        assert await through_engine.is_sent(second.id)
    finally:
        await direct.close()
        await direct_engine.dispose()
        await engine.dispose()


async def test_sqlite_claims_wait_for_another_writer_off_the_loop(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"
    await migrate(url)
    engine = create_engine(url)
    store = DeliveryStore(engine)
    other_process = sqlite3.connect(tmp_path / "n.db", isolation_level=None)
    other_process.execute("PRAGMA journal_mode=WAL")  # as any worker's first connection
    try:
        event = _event()
        other_process.execute("BEGIN IMMEDIATE")
        claiming = asyncio.create_task(_claim(store, event, "w1", 30))
        ticks = 0
        for _ in range(10):  # the loop keeps running while the claim waits for the lock
            await asyncio.sleep(0.02)
            ticks += 1
        assert ticks == 10 and not claiming.done()
        other_process.execute("COMMIT")
        assert await claiming is Claim.MINE
        await store.mark_sent(event.id)
        assert await store.is_sent(event.id)
    finally:
        other_process.close()
        await store.close()
        await engine.dispose()


async def test_sqlite_checkpoints_happen_on_the_thread_every_few_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"
    await migrate(url)
    monkeypatch.setattr(sqlite_runner, "CHECKPOINT_EVERY", 3)
    threads: list[str] = []
    checkpoint = sqlite_runner.SqliteRunner._checkpoint

    def recorded(runner: sqlite_runner.SqliteRunner) -> None:
        threads.append(threading.current_thread().name)
        checkpoint(runner)

    monkeypatch.setattr(sqlite_runner.SqliteRunner, "_checkpoint", recorded)
    engine = create_engine(url)
    store = DeliveryStore(engine)
    try:
        for _ in range(3):  # six commits: a claim and a mark each
            event = _event()
            await _claim(store, event, "w1", 30)
            await store.mark_sent(event.id)
    finally:
        await store.close()  # after the checkpoints, on the same thread
        await engine.dispose()
    # The commits do not wait for them: counted once the thread is done.
    assert len(threads) == 2
    assert all(name.startswith("deliveries") for name in threads)


async def test_sqlite_claims_of_one_turn_commit_together_and_a_duplicate_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"
    await migrate(url)
    batches: list[int] = []
    each_statement = sqlite_statements.each_statement

    def recorded(conn: sqlite3.Connection, statements: list[Any]) -> Any:
        batches.append(len(statements))
        return each_statement(conn, statements)

    monkeypatch.setattr(sqlite_runner, "each_statement", recorded)
    engine = create_engine(url)
    store = DeliveryStore(engine)
    try:
        sent = _event()
        assert await _claim(store, sent, "w1", 30) is Claim.MINE
        await store.mark_sent(sent.id)
        batches.clear()
        fresh = [_event() for _ in range(4)]
        # A burst: four first claims and one of an event sent already, in one turn.
        claims = await asyncio.gather(*(_claim(store, e, "w1", 30) for e in [*fresh, sent]))
        assert claims == [Claim.MINE] * 4 + [Claim.ALREADY_SENT]
        assert batches == [5]  # the five INSERTs in one transaction
        await asyncio.gather(*(store.mark_sent(e.id) for e in fresh))
        assert batches == [5, 4]
        assert all([await store.is_sent(e.id) for e in fresh])
    finally:
        await store.close()
        await engine.dispose()


async def test_sqlite_a_transaction_done_on_the_thread_counts_toward_the_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_runner, "CHECKPOINT_EVERY", 1)
    checkpoints: list[str] = []
    monkeypatch.setattr(
        sqlite_runner.SqliteRunner,
        "_checkpoint",
        lambda _: checkpoints.append(threading.current_thread().name),
    )
    path = str(tmp_path / "t.db")
    other_process = sqlite3.connect(path, isolation_level=None)
    other_process.execute("PRAGMA journal_mode=WAL")
    other_process.execute("CREATE TABLE t (v INTEGER)")
    runner = sqlite_runner.SqliteRunner(path)
    try:
        other_process.execute("BEGIN IMMEDIATE")  # the loop's attempt is BUSY
        writing = asyncio.create_task(
            runner.write(lambda conn: conn.execute("INSERT INTO t VALUES (1)").rowcount)
        )
        await asyncio.sleep(0.05)
        assert not writing.done()
        other_process.execute("COMMIT")
        assert await writing == 1
    finally:
        await runner.close()
        other_process.close()
    assert len(checkpoints) == 1 and checkpoints[0].startswith("deliveries")
