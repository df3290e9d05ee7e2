"""The order service's business metrics, counted only once the change is committed."""

from __future__ import annotations

from prometheus_client import Counter
from sqlalchemy import event
from sqlalchemy.orm import Session

from shop.orders.domain import OrderStatus

ORDERS = Counter("shop_orders_total", "Orders entering each status", ["status"])
REVENUE_CENTS = Counter("shop_order_revenue_cents_total", "Totals of confirmed orders, in cents")
_PENDING = "shop_orders_pending_transitions"


def record_transition(session: Session, status: OrderStatus) -> None:
    """Notes that an order enters `status` in this session's transaction."""
    session.info.setdefault(_PENDING, []).append(status.value)


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for status in session.info.pop(_PENDING, ()):
        ORDERS.labels(status).inc()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


# Every status exists from the start, so a rate() over a fresh process is defined.
for _status in OrderStatus:
    ORDERS.labels(_status.value)
