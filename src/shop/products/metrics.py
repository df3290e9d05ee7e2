"""The product service's business metrics."""

from __future__ import annotations

from prometheus_client import Counter

PRODUCT_VIEWS = Counter("shop_product_views_total", "Products shown by GET /products/{id}")
RESERVATIONS = Counter("shop_stock_reservations_total", "Stock reservation outcomes", ["result"])
for _result in ("reserved", "insufficient", "expired", "released", "committed"):
    RESERVATIONS.labels(_result)
