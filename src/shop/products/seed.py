"""A demo catalog for `SEED_DEMO_DATA=1`: idempotent by sku, so restarts add nothing."""

from __future__ import annotations

from typing import Any

from shop.common.errors import AlreadyExists
from shop.common.logging import get_logger
from shop.products.domain import NewProduct
from shop.products.store import ProductStore

log = get_logger("shop.products.seed")

# (sku, name, category, price in cents, stock, attributes)
_DEMO: list[tuple[str, str, str, int, int, dict[str, Any]]] = [
    ("ELEC-HEAD-01", "Wireless Headphones", "electronics", 12999, 40, {"color": "black"}),
    ("ELEC-KEYB-01", "Mechanical Keyboard", "electronics", 8999, 25, {"layout": "US"}),
    ("ELEC-MOUS-01", "Ergonomic Mouse", "electronics", 3999, 60, {"color": "grey"}),
    ("ELEC-MONI-01", "27-inch Monitor", "electronics", 27999, 12, {"size": 27}),
    ("ELEC-CHRG-01", "USB-C Charger", "electronics", 2499, 100, {"watts": 65}),
    ("BOOK-PYTH-01", "Fluent Python", "books", 4999, 30, {"format": "paperback"}),
    ("BOOK-DDIA-01", "Designing Data-Intensive Applications", "books", 4599, 20, {}),
    ("BOOK-SICP-01", "Structure and Interpretation of Computer Programs", "books", 5499, 8, {}),
    ("BOOK-PRAG-01", "The Pragmatic Programmer", "books", 3999, 15, {"edition": 2}),
    ("HOME-MUGS-01", "Ceramic Mug", "home", 1299, 80, {"color": "white"}),
    ("HOME-LAMP-01", "Desk Lamp", "home", 3499, 22, {"color": "brass"}),
    ("HOME-PLNT-01", "Potted Fern", "home", 1999, 10, {"size": "medium"}),
    ("HOME-BLNK-01", "Wool Blanket", "home", 5999, 14, {"color": "red"}),
    ("SPRT-YOGA-01", "Yoga Mat", "sports", 2999, 35, {"color": "blue"}),
    ("SPRT-BOTL-01", "Steel Water Bottle", "sports", 1999, 70, {"volume_ml": 750}),
    ("SPRT-RUNS-01", "Running Shoes", "sports", 8999, 18, {"size": 42}),
    ("SPRT-BALL-01", "Football", "sports", 2499, 0, {"size": 5}),
    ("TOYS-PUZZ-01", "1000-piece Puzzle", "toys", 1799, 16, {"pieces": 1000}),
    ("TOYS-BLKS-01", "Wooden Blocks", "toys", 2799, 9, {"pieces": 50}),
    ("TOYS-KITE-01", "Stunt Kite", "toys", 3299, 5, {"color": "red"}),
]


async def seed_demo_catalog(store: ProductStore) -> int:
    """Adds the demo products when the catalog is empty; how many were added."""
    if await store.count_products() > 0:
        return 0
    added = 0
    for sku, name, category, price, stock, attributes in _DEMO:
        new = NewProduct(
            name=name,
            description=f"{name} from the demo catalog.",
            price=price,
            category=category,
            sku=sku,
            stock=stock,
            low_stock_threshold=5,
            attributes=attributes,
        )
        try:
            await store.create_product(new)
            added += 1
        except AlreadyExists:
            continue  # another replica seeded it first
    log.info("demo_catalog_seeded", added=added)
    return added
