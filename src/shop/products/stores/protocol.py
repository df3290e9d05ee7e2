"""The store interfaces, in one place: `ProductStore` (what the use cases call; SQL and
MongoDB implement it) and `StockTransaction` (what each store gives the shared stock
flows of `stores/inventory.py` inside one of its atomic units).

Each method is one atomic unit of work (its own transaction, events included). The two
backends have different transaction models (a MongoDB standalone has none), so the
boundary sits here rather than in the service layer: a stock change and the
`product.low_stock` event it causes are written together by the store that made it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from shop.common.events import DomainEvent
from shop.products.domain import (
    Changes,
    Line,
    NewProduct,
    Product,
    ProductQuery,
    Reservation,
    StockMove,
)

T = TypeVar("T")


class ProductStore(Protocol):
    async def create_product(self, new: NewProduct) -> Product:
        """Inserts a product; AlreadyExists when its sku is taken."""

    async def get_product(self, product_id: str) -> Product | None: ...

    async def get_products(self, product_ids: Sequence[str]) -> dict[str, Product]: ...

    async def update_product(self, product_id: str, changes: dict[str, Any]) -> Product:
        """Applies catalog changes (not stock); ProductNotFound / AlreadyExists (sku)."""

    async def delete_product(self, product_id: str) -> None:
        """ProductNotFound, or Conflict while live reservations hold its units."""

    async def list_products(self, query: ProductQuery) -> tuple[list[Product], int]:
        """One page of matching products and the total number of matches."""

    async def count_products(self) -> int: ...

    async def change_stock(
        self, product_id: str, *, delta: int | None = None, set_to: int | None = None
    ) -> Product:
        """Adds delta to (or sets) on-hand stock; OutOfStock if it would go negative."""

    async def reserve(
        self, *, order_id: str, lines: Sequence[Line], expires_at: datetime
    ) -> Reservation:
        """Holds every line or none; the existing reservation if order_id has one."""

    async def reserve_priced(
        self, *, order_id: str, lines: Sequence[Line], expires_at: datetime
    ) -> tuple[Reservation, dict[str, Product]]:
        """`reserve`, with each held product as it stands (prices and names)."""

    async def get_reservation(self, order_id: str) -> Reservation | None: ...

    async def commit_reservation(self, order_id: str, *, now: datetime) -> Reservation:
        """Reserved units become sold; idempotent; ReservationClosed if expired/released."""

    async def release_reservation(self, order_id: str) -> Reservation:
        """Reserved (or sold) units return to stock; idempotent."""

    async def expire_due(self, *, now: datetime, limit: int = 100) -> int:
        """Expires live reservations past their expiry, returning units; how many."""

    async def close(self) -> None: ...


class StockTransaction(Protocol):
    """One atomic unit of a store: every change in it commits together, events included."""

    async def reservation(self, order_id: str) -> Reservation | None: ...

    async def add_reservation(self, reservation: Reservation) -> None:
        """Writes a new reservation; ReservationTaken when its order already holds one."""

    async def move_reservation(
        self, order_id: str, move: StockMove, *, now: datetime
    ) -> Reservation | None:
        """The order's reservation moved from move.source to move.target (and, per
        move.expiry, before or from its expiry at `now`); None when it was not there."""

    async def move_held(
        self, order_id: str, move: StockMove, *, now: datetime
    ) -> tuple[Reservation, list[tuple[Line, Product]]] | None:
        """`move_reservation`, and each of the reservation's lines' units with it
        (`move_units`): the reservation moved and each line with its product after (a
        product that could not move is left out); None when it was not there. Lines of one
        product may come back as one. For a quiet move (`StockMove.quiet`: never an event)
        the lines may be left out, their products unread."""

    async def move_units(
        self, product_id: str, changes: Changes, *, stock_is: int | None = None
    ) -> Product | None:
        """The product after adding the changes to its counters in one conditional write;
        None (nothing written) when a counter would go below zero, when stock is not
        `stock_is` (if given), or when there is no such product."""

    async def stock_of(self, product_id: str) -> int | None:
        """On-hand stock; None when there is no such product."""

    def emit(self, event: DomainEvent) -> None:
        """Queues an event to be written with this unit's changes."""


class StockBackend(Protocol):
    """What the shared stock flows need of a store besides its transactions."""

    async def atomically(
        self, work: Callable[[StockTransaction], Awaitable[T]], *, alone: bool = False
    ) -> T:
        """Runs work in one atomic unit and commits it (rolled back if work raises).

        `alone`: the caller's promise that the work makes one call that writes at most,
        none after it (a new reservation and the `move_units` after it count as one), and
        emits no event. A store whose every such call is one statement may then send each
        by itself (atomic alone), without a transaction; it also refuses (None from
        `move_units`, nothing written) a change of stock that would call for an event, and
        writes a new reservation only with those units. The work must take that None as
        "run me again without `alone`", and raise."""

    async def get_reservation(self, order_id: str) -> Reservation | None: ...

    async def get_products(self, product_ids: Sequence[str]) -> dict[str, Product]: ...

    async def due_reservations(self, *, now: datetime, limit: int) -> list[str]:
        """Order ids of live reservations whose expiry is at or before `now`."""
