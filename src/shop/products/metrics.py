"""The product service's business metrics."""

from __future__ import annotations

from prometheus_client import Counter

PRODUCT_VIEWS = Counter("shop_product_views_total", "Products shown by GET /products/{id}")
RESERVATIONS = Counter("shop_stock_reservations_total", "Stock reservation outcomes", ["result"])
# Each outcome's child, looked up once: every series shows from the start (at 0), and a
# call no longer pays the labels() look-up.
RESERVED, INSUFFICIENT, EXPIRED, RELEASED, COMMITTED = (
    RESERVATIONS.labels(result)
    for result in ("reserved", "insufficient", "expired", "released", "committed")
)
