"""The payment interface and the mock provider (tok_ok succeeds, tok_declined is declined).

Every operation is keyed by order id, as real providers' idempotency keys are: a retried
charge returns the first result, so an order is never charged twice. `void` is the fence
the recovery loop and cancellation use: once an order's charge slot is voided, a late
charge attempt for it (from a request still in flight somewhere) cannot succeed.
"""

from __future__ import annotations

import enum
import functools
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.expression import Executable

from shop.common.errors import ValidationFailed
from shop.common.outbox import utcnow
from shop.orders.models import mock_charges
from shop.orders.sql import conflict_insert, dialect_name


class ChargeStatus(enum.StrEnum):
    SUCCEEDED = "SUCCEEDED"
    DECLINED = "DECLINED"
    VOIDED = "VOIDED"
    REFUNDED = "REFUNDED"


@dataclass(frozen=True, slots=True)
class Charge:
    charge_id: str
    order_id: str
    amount: int
    status: ChargeStatus

    @property
    def succeeded(self) -> bool:
        return self.status is ChargeStatus.SUCCEEDED


class PaymentProvider(Protocol):
    name: str

    def check_token(self, method: str, token: str) -> None:
        """Raises ValidationFailed for a payment this provider cannot take (before any I/O)."""

    async def charge(self, *, order_id: str, amount: int, token: str) -> Charge:
        """Charges once per order id; a repeat returns the first result."""

    async def lookup(self, order_id: str) -> Charge | None:
        """The order's charge, if any attempt reached the provider."""

    async def void(self, order_id: str) -> Charge:
        """Fences the order: returns its existing charge, else records a void that makes
        every later charge attempt for it fail."""

    async def refund(self, order_id: str) -> Charge | None:
        """Refunds a succeeded charge (idempotent); None when there was none."""


MOCK_OUTCOMES = {"tok_ok": ChargeStatus.SUCCEEDED, "tok_declined": ChargeStatus.DECLINED}


class MockPaymentProvider:
    """Keeps its ledger in its own table (mock_payment_charges), one row per order id."""

    name = "mock"

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

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
        async with self._sessions() as session:
            query = select(mock_charges).where(mock_charges.c.order_id == order_id)
            row = (await session.execute(query)).first()
        return _charge(row._mapping) if row else None

    async def void(self, order_id: str) -> Charge:
        return await self._record_first(order_id, 0, ChargeStatus.VOIDED)

    async def refund(self, order_id: str) -> Charge | None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(mock_charges)
                .where(mock_charges.c.order_id == order_id)
                .where(mock_charges.c.status == ChargeStatus.SUCCEEDED.value)
                .values(status=ChargeStatus.REFUNDED.value, updated_at=utcnow())
            )
        return await self.lookup(order_id)

    async def _record_first(self, order_id: str, amount: int, status: ChargeStatus) -> Charge:
        now = utcnow()
        async with self._sessions() as session, session.begin():
            # One statement decides: the first charge (or void) for an order stands, and a
            # later attempt conflicts on the unique order id and reads that one instead.
            # Under READ COMMITTED the conflicting row is committed by the time DO NOTHING
            # returns, so the read below sees it.
            inserted = await session.execute(
                _insert_first(dialect_name(session)),
                {
                    "charge_id": f"ch_{uuid.uuid4().hex}",
                    "order_id": order_id,
                    "amount": amount,
                    "status": status.value,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            row = inserted.first()
            if row is None:
                query = select(*_COLUMNS).where(mock_charges.c.order_id == order_id)
                row = (await session.execute(query)).first()
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
