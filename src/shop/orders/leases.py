"""Order leases: which process drives a PENDING order, so that an order whose process died
is taken over within seconds and an order a live process is driving never is.

The process placing an order stores it with its driver id and a lease of
ORDER_LEASE_SECONDS, and renews the leases of the orders it is driving every
ORDER_LEASE_REFRESH_SECONDS. A lease that ran out means its process died (or could not
write for lease - refresh seconds): a replay of the order's Idempotency-Key, or the recovery
loop, may then claim the order with a compare-and-set and finish it (recovery.take_over).

The lease only decides who should drive; no safety rests on it. A stalled driver that wakes
up after being overtaken finds its charge fenced by the payment void, loses every status
compare-and-set, and repeats only idempotent stock calls: the order still ends once, charged
at most once. Leases compare timestamps from different processes, so replicas' clocks must
agree to well within the lease (NTP does, by milliseconds).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shop.common.background import every
from shop.common.clock import utcnow
from shop.orders.context import Context
from shop.orders.domain import Order, OrderStatus


def lease_end(ctx: Context, now: datetime) -> datetime:
    return now + timedelta(seconds=ctx.settings.order_lease_seconds)


def abandoned(order: Order, now: datetime) -> bool:
    """A PENDING order whose driver's lease ran out: nobody is driving it any more.

    Orders placed before leases existed have none; the recovery loop's grace covers them."""
    return (
        order.status is OrderStatus.PENDING
        and order.lease_until is not None
        and order.lease_until <= now
    )


async def renew_once(ctx: Context) -> None:
    """Extends the leases of every order this process is driving (one statement)."""
    if not ctx.in_flight:
        return
    async with ctx.uow() as uow:
        await uow.orders.renew_leases(
            sorted(ctx.in_flight), driver_id=ctx.driver_id, until=lease_end(ctx, utcnow())
        )
        await uow.commit()


async def run_lease_keeper(ctx: Context) -> None:
    """Renews the leases every refresh interval until cancelled; a failed renewal is retried
    at the next tick (the lease outlives a few of them)."""
    refresh = ctx.settings.order_lease_refresh_seconds
    await every(refresh, lambda: renew_once(ctx), failed="lease_renewal_failed")
