"""The order service's business metrics, counted only once the change is committed."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter

from shop.orders.domain import OrderStatus

ORDERS = Counter("shop_orders_total", "Orders entering each status", ["status"])
REVENUE_CENTS = Counter("shop_order_revenue_cents_total", "Totals of confirmed orders, in cents")

# Every status exists from the start, so a rate() over a fresh process is defined; the
# children are kept, so counting a status needs no labels() look-up.
_ENTERED = {status: ORDERS.labels(status.value) for status in OrderStatus}


def count_entered(statuses: Iterable[OrderStatus]) -> None:
    """Counts orders entering these statuses (call once their transaction has committed)."""
    for status in statuses:
        _ENTERED[status].inc()
