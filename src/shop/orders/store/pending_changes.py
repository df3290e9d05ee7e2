"""What both order units of work (`SqlUnitOfWork`, `PgUnitOfWork`) hold until their commit,
and what follows it: one place for the rule that an event is written, and a status counted
in shop_orders_total, only with a committed change."""

from __future__ import annotations

import asyncio

from shop.common.events import DomainEvent
from shop.orders.domain import OrderStatus
from shop.orders.metrics import count_entered
from shop.orders.payments.charges import Charge
from shop.orders.store.repositories import SqlPaymentRecords


class PendingChanges:
    """The events, payment records and entered statuses of one `async with` block."""

    def __init__(self, *, wake_relay: asyncio.Event | None) -> None:
        self._wake_relay = wake_relay
        self._events: list[DomainEvent] = []
        self._entered: list[OrderStatus] = []
        self._paid: list[tuple[Charge, str]] = []
        self._payments: SqlPaymentRecords | None = None

    def _begin_block(self) -> None:
        """Fresh lists for a new block (its repositories append to these very lists)."""
        self._events, self._entered, self._paid = [], [], []
        self._payments = SqlPaymentRecords(self._paid)

    def _end_block(self) -> None:
        self._payments = None

    @property
    def payments(self) -> SqlPaymentRecords:
        if self._payments is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._payments

    def emit(self, event: DomainEvent) -> None:
        """Queues an event to be written to the outbox by the next commit."""
        self._events.append(event)

    def _move_lost(self) -> None:
        """A compare-and-set lost: what was recorded to go with it is not written."""
        self._events, self._paid[:] = [], []

    def _committed(self) -> None:
        """After a commit: count the statuses entered, wake the relay for the events."""
        events, self._events = self._events, []
        count_entered(self._entered)
        self._entered.clear()
        if events and self._wake_relay is not None:
            self._wake_relay.set()
