"""The checks that turn a PlaceOrder into a PENDING order: the user and address, then the
stock, held by a reservation whose answer prices the lines.

The reservation is taken before the order row exists, keyed by the order id chosen here,
so no CheckInventory is needed on the way. A reservation whose outcome is unknown (the
product service died or timed out) is given back at once; when that fails too, the order
is recorded FAILED so that recovery gives it back once the product service answers. Only
a crash of this process between the reservation and the PENDING insert leaves a
reservation no order knows of: the product service's sweeper releases it after
ORDER_RESERVATION_TTL_SECONDS, so those units are held that long, never lost.
"""

from __future__ import annotations

from shop.common.clock import utcnow
from shop.common.errors import (
    AppError,
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    UpstreamTimeout,
)
from shop.common.ids import new_id
from shop.common.logging import get_logger
from shop.orders.context import Context
from shop.orders.domain import (
    PLACED_REASON,
    Availability,
    Line,
    Order,
    OrderStatus,
    Price,
    PricedLine,
    StatusChange,
    order_total,
)
from shop.orders.leases import lease_end
from shop.orders.placement.request import PlaceOrder
from shop.orders.settlement.compensation import record_failed
from shop.protos.shop.user.v1 import user_pb2 as upb

log = get_logger("shop.orders.placement")
S = OrderStatus


async def new_order(
    ctx: Context, request: PlaceOrder, lines: tuple[Line, ...], digest: str
) -> Order:
    """The PENDING order (not yet stored) whose stock is now held, leased to this process
    (orders/leases.py), or the AppError a peer's answer calls for (nothing held then)."""
    validation = await ctx.users.validate_user(request.user_id, request.shipping_address_id)
    if not validation.valid:
        raise Forbidden(validation.reason or "User may not place orders")
    address: upb.Address | None = validation.address if validation.HasField("address") else None
    if address is None:
        # Not theirs, or a user service that predates the field: the list decides.
        addresses = await ctx.users.addresses(request.user_id)
        address = next((a for a in addresses if a.id == request.shipping_address_id), None)
    if address is None:
        raise NotFound(
            "Shipping address not found",
            errors=[{"path": "shippingAddressId", "message": "not one of your addresses"}],
        )
    order_id = new_id()
    try:
        prices = await _reserve(ctx, order_id, lines)
    except _ReservationInDoubt as doubt:
        # Prices are unknown (0): the record exists so that recovery gives the units back.
        unpriced = {ln.product_id: Price(ln.product_id, 0, "") for ln in lines}
        order = _pending(order_id, request, validation, address, lines, unpriced, digest)
        await record_failed(ctx, order, code=503, reason=doubt.message)
        raise ServiceUnavailable(doubt.message) from doubt
    return _pending(order_id, request, validation, address, lines, prices, digest, driver=ctx)


def _pending(
    order_id: str,
    request: PlaceOrder,
    validation: upb.ValidateUserResponse,
    address: upb.Address,
    lines: tuple[Line, ...],
    prices: dict[str, Price],
    digest: str,
    *,
    driver: Context | None = None,
) -> Order:
    # Leased to `driver` (this process) as it is built: a dataclasses.replace of the whole
    # order afterwards cost more than building it.
    priced = tuple(
        PricedLine(
            ln.product_id, ln.quantity, prices[ln.product_id].unit_price, prices[ln.product_id].name
        )
        for ln in lines
    )
    now = utcnow()
    return Order(
        id=order_id,
        user_id=request.user_id,
        user_email=validation.user.email,
        status=S.PENDING,
        items=priced,
        total=order_total(priced),
        shipping_address={
            "id": address.id,
            "line1": address.line1,
            "line2": address.line2 or None,
            "city": address.city,
            "state": address.state or None,
            "postalCode": address.postal_code,
            "country": address.country,
        },
        created_at=now,
        updated_at=now,
        idempotency_key=request.idempotency_key,
        request_hash=digest,
        history=(StatusChange(None, S.PENDING, now, PLACED_REASON),),
        driver_id=None if driver is None else driver.driver_id,
        lease_until=None if driver is None else lease_end(driver, now),
    )


async def release_unplaced(ctx: Context, order_id: str) -> bool:
    """Gives back a reservation no order will use. False when the product service could
    not be asked (an outage): what it may hold then expires on its own, unless the caller
    records the order for recovery."""
    try:
        await ctx.products.release(order_id)
    except NotFound:
        return True  # nothing was held
    except AppError as exc:
        log.info("unplaced_reservation_left_to_expire", order_id=order_id, error=exc.message)
        return False
    return True


class _ReservationInDoubt(ServiceUnavailable):
    """The reservation may be held, and giving it back failed too."""


async def _reserve(ctx: Context, order_id: str, lines: tuple[Line, ...]) -> dict[str, Price]:
    """Holds every line for order_id and answers its prices; 404 for unknown products and
    409 when short, with the bodies a stock check gives (nothing is held then)."""
    try:
        held = await ctx.products.reserve(
            order_id=order_id, lines=lines, ttl_seconds=ctx.settings.order_reservation_ttl_seconds
        )
    except (Conflict, NotFound) as refused:
        # Off the hot path: the check names every unknown or short line, as it always did.
        _refuse_as_checked(lines, await ctx.products.check(lines))
        # In stock again by now (units returned meanwhile): the reservation's word stands.
        if isinstance(refused, NotFound):
            raise NotFound(
                "Product not found",
                errors=[{"path": "items.productId", "message": refused.message}],
            ) from refused
        raise Conflict(
            "Insufficient stock", errors=[{"path": "items", "message": refused.message}]
        ) from refused
    except (ServiceUnavailable, UpstreamTimeout) as exc:
        # Whether it was taken is unknown: give back whatever it may hold.
        message = f"reservation failed: {exc.message}"
        if await release_unplaced(ctx, order_id):
            raise ServiceUnavailable(message) from exc
        raise _ReservationInDoubt(message) from exc
    prices = {p.product_id: p for p in held}
    if any(ln.product_id not in prices for ln in lines):
        # A product service that predates the prices in its answer: ask for them.
        # (Its stock is held by now: only the prices of its answer count.)
        try:
            availability = await ctx.products.check(lines)
        except AppError:
            await release_unplaced(ctx, order_id)
            raise
        prices = {a.product_id: Price(a.product_id, a.unit_price, a.name) for a in availability}
    return prices


def _refuse_as_checked(lines: tuple[Line, ...], availability: list[Availability]) -> None:
    """404 naming every unknown product, else 409 naming every short line, if any."""
    by_id = {a.product_id: a for a in availability}
    missing = [
        ln.product_id
        for ln in lines
        if ln.product_id not in by_id or not by_id[ln.product_id].found
    ]
    if missing:
        raise NotFound(
            "Product not found",
            errors=[{"path": "items.productId", "message": pid} for pid in missing],
        )
    short = [by_id[ln.product_id] for ln in lines if not by_id[ln.product_id].in_stock]
    if short:
        raise Conflict(
            "Insufficient stock",
            errors=[
                {"path": "items", "message": f"{a.product_id}: {a.available} available"}
                for a in short
            ],
        )
