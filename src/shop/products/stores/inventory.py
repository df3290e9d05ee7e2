"""Reserve, commit, release, expire and restock, written once for every store.

Each flow chains the domain's moves (`domain/stock_moves.py`) inside one atomic unit of
the store it is given; the store only applies each move in its own way (`stores/sql/
stock.py`, `stores/mongo/stock.py`). Both stores' methods of those names delegate here.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from datetime import datetime

from shop.common.clock import utcnow
from shop.common.ids import new_id
from shop.products.domain import (
    COMMIT,
    EXPIRE,
    RELEASES,
    RESERVE,
    RESTOCK,
    Changes,
    Line,
    OutOfStock,
    Product,
    ProductNotFound,
    Reservation,
    ReservationNotFound,
    ReservationStatus,
    ReservationTaken,
    StockMove,
    commit_missed,
)
from shop.products.events import low_stock_event
from shop.products.stores.protocol import StockBackend, StockTransaction

_SET_STOCK_ATTEMPTS = 20


class _NeedsTransaction(Exception):
    """A unit run `alone` that the store refused to write so; it wrote nothing."""


async def reserve(
    store: StockBackend, *, order_id: str, lines: Sequence[Line], expires_at: datetime
) -> Reservation:
    """Holds every line or none; the existing reservation if order_id has one."""
    reservation, _ = await reserve_priced(
        store, order_id=order_id, lines=lines, expires_at=expires_at
    )
    return reservation


async def reserve_priced(
    store: StockBackend, *, order_id: str, lines: Sequence[Line], expires_at: datetime
) -> tuple[Reservation, dict[str, Product]]:
    """`reserve`, with each held product as it stood (its price and name come along from
    the UPDATE that held its units, so pricing costs no extra read)."""
    ordered = tuple(sorted(lines, key=lambda line: line.product_id))  # one lock order

    async def work(
        tx: StockTransaction, *, alone: bool = False
    ) -> tuple[Reservation, dict[str, Product]]:
        # No look-up first: a replay is rare and the look-up cost every order. A replay, or
        # a concurrent twin after waiting, fails on the unique order id and reads back below.
        reservation = Reservation(
            id=new_id(),
            order_id=order_id,
            status=ReservationStatus.RESERVED,
            items=ordered,
            expires_at=expires_at,
            created_at=utcnow(),
        )
        await tx.add_reservation(reservation)
        held: dict[str, Product] = {}
        for line in ordered:
            product = await _apply(tx, RESERVE, line)
            if product is None:
                if alone:  # no units, no product or a crossing: the transaction tells which
                    raise _NeedsTransaction
                if await tx.stock_of(line.product_id) is None:
                    raise ProductNotFound(line.product_id)
                raise OutOfStock(line.product_id, requested=line.quantity)
            held[line.product_id] = product
        return reservation, held

    try:
        if len(ordered) == 1:  # one call that writes: its units with the new reservation
            with contextlib.suppress(_NeedsTransaction):
                return await store.atomically(functools.partial(work, alone=True), alone=True)
        return await store.atomically(work)
    except ReservationTaken:
        twin = await store.get_reservation(order_id)
        if twin is None:  # pragma: no cover - the twin rolled back between our two reads
            raise ReservationNotFound(order_id) from None
        return twin, await store.get_products([line.product_id for line in twin.items])


async def commit(store: StockBackend, order_id: str, *, now: datetime) -> Reservation:
    """Reserved units become sold; idempotent; ReservationClosed if expired/released."""

    async def work(tx: StockTransaction) -> Reservation:
        moved = await _move(tx, order_id, COMMIT, now=now)
        return moved or commit_missed(await _current(tx, order_id))

    return await store.atomically(work, alone=COMMIT.quiet)


async def release(store: StockBackend, order_id: str) -> Reservation:
    """Reserved (or sold) units return to stock; idempotent."""

    async def work(tx: StockTransaction) -> Reservation:
        for move in RELEASES:
            moved = await _move(tx, order_id, move, now=utcnow())
            if moved is not None:
                return moved
        return await _current(tx, order_id)

    return await store.atomically(work, alone=all(move.quiet for move in RELEASES))


async def expire_due(store: StockBackend, *, now: datetime, limit: int) -> int:
    """Expires live reservations past their expiry, one unit each; how many."""
    expired = 0
    for order_id in await store.due_reservations(now=now, limit=limit):

        async def work(tx: StockTransaction, order_id: str = order_id) -> bool:
            # None: committed or released meanwhile, and that caller won.
            return await _move(tx, order_id, EXPIRE, now=now) is not None

        expired += int(await store.atomically(work, alone=EXPIRE.quiet))
    return expired


async def restock(
    store: StockBackend, product_id: str, *, delta: int | None, set_to: int | None
) -> Product:
    """Adds delta to (or sets) on-hand stock; OutOfStock if it would go negative."""

    async def work(tx: StockTransaction) -> Product | None:
        if set_to is None:
            expected, step = None, delta or 0
        else:
            # Compare-and-set on the value read, so the change is exactly known.
            expected = await tx.stock_of(product_id)
            if expected is None:
                raise ProductNotFound(product_id)
            step = set_to - expected
        product = await _apply(tx, RESTOCK, Line(product_id, step), stock_is=expected)
        if product is None and set_to is None:
            if await tx.stock_of(product_id) is None:
                raise ProductNotFound(product_id)
            raise OutOfStock(product_id)
        return product  # None: stock moved under a set, read it again

    for _ in range(_SET_STOCK_ATTEMPTS):
        product = await store.atomically(work)
        if product is not None:
            return product
    raise OutOfStock(product_id)  # pragma: no cover - only under relentless contention


async def _move(
    tx: StockTransaction, order_id: str, move: StockMove, *, now: datetime
) -> Reservation | None:
    """The reservation moved, and every line's units with it; None if it was not there."""
    moved = await tx.move_held(order_id, move, now=now)
    if moved is None:
        return None
    reservation, held = moved
    for line, product in held:
        _note_low_stock(tx, product, move.changes(line.quantity))
    return reservation


async def _apply(
    tx: StockTransaction, move: StockMove, line: Line, *, stock_is: int | None = None
) -> Product | None:
    changes = move.changes(line.quantity)
    product = await tx.move_units(line.product_id, changes, stock_is=stock_is)
    if product is not None:
        _note_low_stock(tx, product, changes)
    return product


def _note_low_stock(tx: StockTransaction, product: Product, changes: Changes) -> None:
    event = low_stock_event(product, changes)
    if event is not None:
        tx.emit(event)


async def _current(tx: StockTransaction, order_id: str) -> Reservation:
    current = await tx.reservation(order_id)
    if current is None:
        raise ReservationNotFound(order_id)
    return current
