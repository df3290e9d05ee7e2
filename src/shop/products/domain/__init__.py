"""The product service's domain: plain values and rules, no I/O.

`catalog` (products and catalog queries), `reservations` (what an order holds) and
`stock_moves` (the one definition of every stock move). Imported from here as one API.
"""

from shop.products.domain.catalog import (
    NewProduct,
    Product,
    ProductNotFound,
    ProductQuery,
    SortField,
    product_from_fields,
)
from shop.products.domain.reservations import (
    Line,
    Reservation,
    ReservationClosed,
    ReservationNotFound,
    ReservationStatus,
    ReservationTaken,
    lines_from_json,
    lines_to_json,
    reservation_fields,
    reservation_from_fields,
)
from shop.products.domain.stock_moves import (
    COMMIT,
    EXPIRE,
    RELEASES,
    RESERVE,
    RESTOCK,
    Changes,
    OutOfStock,
    StockMove,
    commit_missed,
    crossed_below,
    crossed_low_stock,
    floors,
)

__all__ = [
    "COMMIT",
    "EXPIRE",
    "RELEASES",
    "RESERVE",
    "RESTOCK",
    "Changes",
    "Line",
    "NewProduct",
    "OutOfStock",
    "Product",
    "ProductNotFound",
    "ProductQuery",
    "Reservation",
    "ReservationClosed",
    "ReservationNotFound",
    "ReservationStatus",
    "ReservationTaken",
    "SortField",
    "StockMove",
    "commit_missed",
    "crossed_below",
    "crossed_low_stock",
    "floors",
    "lines_from_json",
    "lines_to_json",
    "product_from_fields",
    "reservation_fields",
    "reservation_from_fields",
]
