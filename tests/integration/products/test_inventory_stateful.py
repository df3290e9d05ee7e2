"""Random sequences of adjust, reserve, commit, release and expire against a model.

After every step the contract's invariant is checked on the SQLite store: stock never
negative, and on-hand + reserved + sold equals units ever stocked, exactly as modelled.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from shop.common.clock import utcnow
from shop.common.db import create_engine
from shop.products.domain import (
    Line,
    OutOfStock,
    ReservationClosed,
    ReservationStatus,
)
from shop.products.stores.sql import migrate as migrate_sql
from shop.products.stores.sql.store import SqlProductStore
from tests.integration.products.conftest import new_product, outbox_events

PRODUCTS = 3
ORDERS = [f"order-{i}" for i in range(6)]
THRESHOLD = 4
_TEMPLATE: Path | None = None


def template_db() -> Path:
    """A migrated SQLite file, copied for each example (migrating each time is slow)."""
    global _TEMPLATE
    if _TEMPLATE is None:
        path = Path(tempfile.mkdtemp(prefix="products-stateful-")) / "template.db"
        asyncio.run(migrate_sql(f"sqlite+aiosqlite:///{path}"))
        _TEMPLATE = path
    return _TEMPLATE


@dataclass
class Counts:
    stock: int
    reserved: int = 0
    sold: int = 0
    stocked: int = 0
    crossings: int = 0

    def move_stock(self, delta: int) -> None:
        before, self.stock = self.stock, self.stock + delta
        if before >= THRESHOLD > self.stock:
            self.crossings += 1


@dataclass
class Held:
    lines: dict[int, int]
    expires_at_tick: int
    status: ReservationStatus = ReservationStatus.RESERVED


@dataclass
class Model:
    counts: list[Counts] = field(default_factory=list)
    reservations: dict[str, Held] = field(default_factory=dict)
    tick: int = 0


T = TypeVar("T")


class InventoryMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        self.dir = Path(tempfile.mkdtemp(prefix="products-sm-"))
        db = self.dir / "products.db"
        shutil.copyfile(template_db(), db)
        self.store = SqlProductStore(create_engine(f"sqlite+aiosqlite:///{db}"))
        self.model = Model()
        self.ids: list[str] = []
        self.epoch = utcnow()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coro)

    def now(self) -> datetime:
        return self.epoch + timedelta(seconds=self.model.tick)

    @initialize(stocks=st.lists(st.integers(0, 12), min_size=PRODUCTS, max_size=PRODUCTS))
    def create_products(self, stocks: list[int]) -> None:
        for stock in stocks:
            product = self.run(
                self.store.create_product(new_product(stock=stock, low_stock_threshold=THRESHOLD))
            )
            self.ids.append(product.id)
            self.model.counts.append(Counts(stock=stock, stocked=stock))

    @rule(index=st.integers(0, PRODUCTS - 1), delta=st.integers(-6, 6))
    def adjust(self, index: int, delta: int) -> None:
        counts = self.model.counts[index]
        try:
            self.run(self.store.change_stock(self.ids[index], delta=delta))
        except OutOfStock:
            assert counts.stock + delta < 0
            return
        assert counts.stock + delta >= 0
        counts.move_stock(delta)
        counts.stocked += delta

    @rule(
        target=orders,
        order=st.sampled_from(ORDERS),
        wanted=st.dictionaries(st.integers(0, PRODUCTS - 1), st.integers(1, 4), min_size=1),
        ttl=st.integers(1, 8),
    )
    def reserve(self, order: str, wanted: dict[int, int], ttl: int) -> object:
        lines = [Line(self.ids[i], q) for i, q in wanted.items()]
        expires_at = self.epoch + timedelta(seconds=self.model.tick + ttl)
        try:
            reservation = self.run(
                self.store.reserve(order_id=order, lines=lines, expires_at=expires_at)
            )
        except OutOfStock:
            assert order not in self.model.reservations
            assert any(self.model.counts[i].stock < q for i, q in wanted.items())
            return multiple()
        if order in self.model.reservations:
            assert reservation.status is self.model.reservations[order].status
            return order
        assert all(self.model.counts[i].stock >= q for i, q in wanted.items())
        for i, q in wanted.items():
            self.model.counts[i].move_stock(-q)
            self.model.counts[i].reserved += q
        self.model.reservations[order] = Held(lines=wanted, expires_at_tick=self.model.tick + ttl)
        return order

    @rule(order=orders)
    def commit(self, order: str) -> None:
        held = self.model.reservations[order]
        live = held.status is ReservationStatus.RESERVED and self.model.tick < held.expires_at_tick
        try:
            result = self.run(self.store.commit_reservation(order, now=self.now()))
        except ReservationClosed:
            assert not live and held.status is not ReservationStatus.COMMITTED
            return
        assert result.status is ReservationStatus.COMMITTED
        if held.status is ReservationStatus.RESERVED:
            assert live
            held.status = ReservationStatus.COMMITTED
            for i, q in held.lines.items():
                self.model.counts[i].reserved -= q
                self.model.counts[i].sold += q

    @rule(order=orders)
    def release(self, order: str) -> None:
        held = self.model.reservations[order]
        result = self.run(self.store.release_reservation(order))
        if held.status in (ReservationStatus.RESERVED, ReservationStatus.COMMITTED):
            field_name = "reserved" if held.status is ReservationStatus.RESERVED else "sold"
            for i, q in held.lines.items():
                counts = self.model.counts[i]
                setattr(counts, field_name, getattr(counts, field_name) - q)
                counts.move_stock(q)
            held.status = ReservationStatus.RELEASED
        assert result.status is held.status

    @rule(seconds=st.integers(1, 4))
    def expire(self, seconds: int) -> None:
        self.model.tick += seconds
        self.run(self.store.expire_due(now=self.now()))
        for held in self.model.reservations.values():
            if (
                held.status is ReservationStatus.RESERVED
                and held.expires_at_tick <= self.model.tick
            ):
                held.status = ReservationStatus.EXPIRED
                for i, q in held.lines.items():
                    self.model.counts[i].reserved -= q
                    self.model.counts[i].move_stock(q)

    @invariant()
    def stock_is_accounted_for(self) -> None:
        if not self.ids:
            return
        found = self.run(self.store.get_products(self.ids))
        for index, product_id in enumerate(self.ids):
            product, counts = found[product_id], self.model.counts[index]
            assert product.stock >= 0 and product.reserved >= 0 and product.sold >= 0
            assert product.stock + product.reserved + product.sold == product.stocked
            assert (product.stock, product.reserved, product.sold, product.stocked) == (
                counts.stock,
                counts.reserved,
                counts.sold,
                counts.stocked,
            )

    @invariant()
    def low_stock_once_per_crossing(self) -> None:
        for index, product_id in enumerate(self.ids):
            events = self.run(outbox_events(self.store, product_id))
            assert len(events) == self.model.counts[index].crossings

    def teardown(self) -> None:
        self.run(self.store.close())
        self.runner.close()
        shutil.rmtree(self.dir, ignore_errors=True)


InventoryMachine.TestCase.settings = settings(
    max_examples=30, stateful_step_count=20, deadline=None
)
TestInventoryStateMachine = InventoryMachine.TestCase
