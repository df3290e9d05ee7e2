"""The mock payment provider: tok_ok succeeds, tok_declined is declined.

It stands in for a remote provider, so it keeps its own ledger (a table in the order
database only because the mock has nowhere else to keep it), one row per order id.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.expression import Executable

from shop.common import pg_driver
from shop.common.clock import utcnow
from shop.common.errors import ValidationFailed
from shop.common.ids import new_id
from shop.common.pg_driver import PgDatabase
from shop.orders.payments.charges import Charge, ChargeStatus
from shop.orders.store.dialects import conflict_insert
from shop.orders.store.models import mock_charges

MOCK_OUTCOMES = {"tok_ok": ChargeStatus.SUCCEEDED, "tok_declined": ChargeStatus.DECLINED}


class MockPaymentProvider:
    """Keeps its ledger in its own table (mock_payment_charges), one row per order id."""

    name = "mock"

    def __init__(self, engine: AsyncEngine, *, pg: PgDatabase | None = None) -> None:
        self._engine = engine
        # On PostgreSQL the first charge, one INSERT, goes straight through asyncpg, alone.
        self._pg = pg

    def check_token(self, method: str, token: str) -> None:
        if method != "card":
            raise ValidationFailed(
                "Unsupported payment method",
                errors=[{"path": "payment.method", "message": "only 'card' is accepted"}],
            )
        if token not in MOCK_OUTCOMES:
            raise ValidationFailed(
                "Invalid payment token",
                errors=[{"path": "payment.token", "message": "unknown card token"}],
            )

    async def charge(self, *, order_id: str, amount: int, token: str) -> Charge:
        self.check_token("card", token)
        return await self._record_first(order_id, amount, MOCK_OUTCOMES[token])

    async def lookup(self, order_id: str) -> Charge | None:
        async with self._engine.connect() as conn:
            query = select(mock_charges).where(mock_charges.c.order_id == order_id)
            row = (await conn.execute(query)).first()
        return _charge(row._mapping) if row else None

    async def void(self, order_id: str) -> Charge:
        return await self._record_first(order_id, 0, ChargeStatus.VOIDED)

    async def refund(self, order_id: str) -> Charge | None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(mock_charges)
                .where(mock_charges.c.order_id == order_id)
                .where(mock_charges.c.status == ChargeStatus.SUCCEEDED.value)
                .values(status=ChargeStatus.REFUNDED.value, updated_at=utcnow())
            )
        return await self.lookup(order_id)

    async def _record_first(self, order_id: str, amount: int, status: ChargeStatus) -> Charge:
        # One statement decides: the first charge (or void) for an order stands, and a
        # later attempt conflicts on the unique order id and reads that one instead.
        # Under READ COMMITTED the conflicting row is committed by the time DO NOTHING
        # returns, so the read after it sees it.
        now = utcnow()
        values = {
            "charge_id": f"ch_{new_id()}",
            "order_id": order_id,
            "amount": amount,
            "status": status.value,
            "created_at": now,
            "updated_at": now,
        }
        if self._pg is not None:
            compiled = self._pg.compile(_insert_first("postgresql"))
            first = await self._pg.alone(
                lambda conn: pg_driver.run(conn.fetchrow, compiled, values)
            )
            if first is not None:
                return _charge(first)
            found = await self.lookup(order_id)
            assert found is not None
            return found
        async with self._engine.begin() as conn:
            row = (await conn.execute(_insert_first(conn.dialect.name), values)).first()
            if row is None:
                query = select(*_COLUMNS).where(mock_charges.c.order_id == order_id)
                row = (await conn.execute(query)).first()
        assert row is not None
        return _charge(row._mapping)


_COLUMNS = (
    mock_charges.c.charge_id,
    mock_charges.c.order_id,
    mock_charges.c.amount,
    mock_charges.c.status,
)


@functools.cache
def _insert_first(dialect: str) -> Executable:
    # Built once per dialect: statement construction is a real share of a charge's CPU.
    return conflict_insert(dialect, mock_charges).on_conflict_do_nothing().returning(*_COLUMNS)


def _charge(row: Any) -> Charge:
    return Charge(
        charge_id=row["charge_id"],
        order_id=row["order_id"],
        amount=int(row["amount"]),
        status=ChargeStatus(row["status"]),
    )
