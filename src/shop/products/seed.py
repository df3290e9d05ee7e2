"""A demo catalog for `SEED_DEMO_DATA=1`: idempotent by sku, so restarts add nothing.

Five categories, real descriptions and attributes to filter on (`attr.color=black`), and a
few items at or under their low-stock threshold, so the admin's low-stock view and the
`product.low_stock` mail have something to show.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from shop.common.errors import AlreadyExists
from shop.common.logging import get_logger
from shop.products.domain import NewProduct
from shop.products.stores.protocol import ProductStore

log = get_logger("shop.products.seed")


class DemoProduct(NamedTuple):
    sku: str
    name: str
    category: str
    price: int  # cents
    stock: int
    description: str
    attributes: dict[str, Any]
    low_stock_threshold: int = 5


_DEMO: list[DemoProduct] = [
    DemoProduct("ELEC-HEAD-01", "Wireless Headphones", "electronics", 12999, 40,
                "Over-ear, noise cancelling, 30 hours on a charge; folds flat into its case.",
                {"color": "black", "brand": "Sonora", "battery_hours": 30}),
    DemoProduct("ELEC-KEYB-01", "Mechanical Keyboard", "electronics", 8999, 25,
                "Tenkeyless, hot-swappable brown switches, white backlight, USB-C cable.",
                {"layout": "US", "switches": "brown", "color": "grey"}),
    DemoProduct("ELEC-MOUS-01", "Ergonomic Mouse", "electronics", 3999, 60,
                "Vertical grip that keeps the wrist neutral; six buttons, silent clicks.",
                {"color": "grey", "wireless": True}),
    DemoProduct("ELEC-MONI-01", "27-inch Monitor", "electronics", 27999, 4,
                "1440p IPS panel at 144 Hz with a height-adjustable stand.",
                {"size_inches": 27, "resolution": "2560x1440"}),
    DemoProduct("ELEC-CHRG-01", "USB-C Charger", "electronics", 2499, 100,
                "65 W GaN charger with two USB-C ports and one USB-A; charges a laptop.",
                {"watts": 65, "color": "white"}),
    DemoProduct("BOOK-PYTH-01", "Fluent Python", "books", 4999, 30,
                "Luciano Ramalho's guide to writing idiomatic, effective Python (2nd edition).",
                {"format": "paperback", "pages": 1012, "author": "Luciano Ramalho"}),
    DemoProduct("BOOK-DDIA-01", "Designing Data-Intensive Applications", "books", 4599, 20,
                "Martin Kleppmann on the ideas behind reliable, scalable, maintainable systems.",
                {"format": "paperback", "pages": 616, "author": "Martin Kleppmann"}),
    DemoProduct("BOOK-SICP-01", "Structure and Interpretation of Computer Programs", "books",
                5499, 3, "The wizard book: abstraction, recursion and interpreters, in Scheme.",
                {"format": "hardcover", "pages": 657, "author": "Abelson & Sussman"}),
    DemoProduct("BOOK-PRAG-01", "The Pragmatic Programmer", "books", 3999, 15,
                "Thomas and Hunt's advice on the craft, updated for its 20th anniversary.",
                {"format": "hardcover", "edition": 2, "author": "Thomas & Hunt"}),
    DemoProduct("HOME-MUGS-01", "Ceramic Mug", "home", 1299, 80,
                "Stoneware mug, 350 ml, glazed inside and out; dishwasher safe.",
                {"color": "white", "volume_ml": 350}),
    DemoProduct("HOME-LAMP-01", "Desk Lamp", "home", 3499, 22,
                "Brass arm lamp with a warm dimmable LED and a weighted base.",
                {"color": "brass", "dimmable": True}),
    DemoProduct("HOME-PLNT-01", "Potted Fern", "home", 1999, 10,
                "A Boston fern in a 15 cm terracotta pot; likes shade and humidity.",
                {"size": "medium", "pot": "terracotta"}),
    DemoProduct("HOME-BLNK-01", "Wool Blanket", "home", 5999, 2,
                "Woven merino throw, 130 x 180 cm, in a red and cream check.",
                {"color": "red", "material": "merino"}),
    DemoProduct("SPRT-YOGA-01", "Yoga Mat", "sports", 2999, 35,
                "6 mm natural rubber mat with a grippy top and alignment lines.",
                {"color": "blue", "thickness_mm": 6}),
    DemoProduct("SPRT-BOTL-01", "Steel Water Bottle", "sports", 1999, 70,
                "Double-walled bottle: cold for 24 hours, hot for 12. Leak-proof lid.",
                {"volume_ml": 750, "color": "green"}),
    DemoProduct("SPRT-RUNS-01", "Running Shoes", "sports", 8999, 18,
                "Light road shoes with a responsive foam midsole and an 8 mm drop.",
                {"size": 42, "color": "black"}),
    DemoProduct("SPRT-BALL-01", "Football", "sports", 2499, 0,
                "Match ball, size 5, thermally bonded panels. Sold out for now.",
                {"size": 5, "color": "white"}),
    DemoProduct("TOYS-PUZZ-01", "1000-piece Puzzle", "toys", 1799, 16,
                "A night market in watercolour, 1000 pieces, 68 x 48 cm finished.",
                {"pieces": 1000, "age": "12+"}),
    DemoProduct("TOYS-BLKS-01", "Wooden Blocks", "toys", 2799, 9,
                "50 beech blocks in ten shapes, oiled, in a cotton bag.",
                {"pieces": 50, "age": "2+"}),
    DemoProduct("TOYS-KITE-01", "Stunt Kite", "toys", 3299, 5,
                "Dual-line kite, 1.4 m span, ripstop sail; lines and handles included.",
                {"color": "red", "span_cm": 140}),
]  # fmt: skip


async def seed_demo_catalog(store: ProductStore) -> int:
    """Adds the demo products when the catalog is empty; how many were added."""
    if await store.count_products() > 0:
        return 0
    added = 0
    for item in _DEMO:
        new = NewProduct(
            name=item.name,
            description=item.description,
            price=item.price,
            category=item.category,
            sku=item.sku,
            stock=item.stock,
            low_stock_threshold=item.low_stock_threshold,
            attributes=item.attributes,
        )
        try:
            await store.create_product(new)
            added += 1
        except AlreadyExists:
            continue  # another replica seeded it first
    log.info("demo_catalog_seeded", added=added)
    return added
