"""A user's history and the admin's list by status are read through indexes (EXPLAIN)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from shop.common.db import create_engine
from shop.orders.store.models import orders, outbox


def _listing(**equal: str) -> Any:
    conditions = [getattr(orders.c, column) == value for column, value in equal.items()]
    return (
        select(orders)
        .where(*conditions)
        .order_by(orders.c.created_at.desc(), orders.c.id.desc())
        .offset(40)
        .limit(20)
    )


async def _plan(database_url: str, statement: Any) -> str:
    engine = create_engine(database_url)
    compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
    postgres = engine.dialect.name == "postgresql"
    try:
        async with engine.connect() as conn:
            if postgres:  # a Seq Scan left with scans priced out: no index serves it
                await conn.exec_driver_sql("SET enable_seqscan = off")
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            rows = (await conn.exec_driver_sql(explain + str(compiled))).all()
    finally:
        await engine.dispose()
    return "\n".join(str(row[-1]) for row in rows)


async def test_order_listings_use_their_indexes(database_url: str) -> None:
    explained = await _plan(database_url, _listing(user_id="u-1"))
    assert "ix_orders_user_created_id" in explained and "Seq Scan" not in explained, explained
    assert "TEMP B-TREE" not in explained  # SQLite: no sort of every match
    explained = await _plan(database_url, _listing(status="CONFIRMED"))
    assert "ix_orders_status_created_id" in explained and "Seq Scan" not in explained, explained
    explained = await _plan(database_url, _listing())
    assert "ix_orders_created_id" in explained and "Seq Scan" not in explained, explained


async def test_recovery_scans_and_outbox_claim_use_their_indexes(database_url: str) -> None:
    # On PostgreSQL both indexes are partial (migration 0005): the planner must still see
    # that these queries' conditions imply the index predicates.
    cutoff = datetime(2026, 1, 1, tzinfo=UTC)
    pending = (
        select(orders.c.id)
        .where(orders.c.status == "PENDING", orders.c.updated_at < cutoff)
        .order_by(orders.c.updated_at)
        .limit(100)
    )
    unsettled = (
        select(orders.c.id)
        .where(
            orders.c.status.in_(["CANCELLED", "FAILED"]),
            orders.c.settled_at.is_(None),
            orders.c.updated_at < cutoff,
        )
        .order_by(orders.c.updated_at)
        .limit(100)
    )
    claim = (
        select(outbox.c.id).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id).limit(100)
    )
    for statement in (pending, unsettled):
        explained = await _plan(database_url, statement)
        assert "ix_orders_status_updated" in explained, explained
        assert "Seq Scan" not in explained, explained
    explained = await _plan(database_url, claim)
    assert "ix_outbox_unpublished" in explained and "Seq Scan" not in explained, explained
