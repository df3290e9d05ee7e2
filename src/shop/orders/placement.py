"""Placing an order: the saga from validation to CONFIRMED (or FAILED, compensated)."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass

import orjson
from sqlalchemy.exc import IntegrityError

from shop.common.errors import (
    AppError,
    Conflict,
    Forbidden,
    NotFound,
    PaymentRequired,
    ServiceUnavailable,
    UpstreamTimeout,
    ValidationFailed,
)
from shop.common.outbox import utcnow
from shop.orders import store
from shop.orders.clients import Availability
from shop.orders.context import OrderContext
from shop.orders.domain import (
    Line,
    Order,
    OrderStatus,
    PricedLine,
    StatusChange,
    is_plausible_id,
    merge_lines,
    order_total,
)
from shop.orders.settlement import confirm, fail

S = OrderStatus
PLACED_REASON = "order placed"
_FAILURES: dict[int, type[AppError]] = {
    402: PaymentRequired,
    404: NotFound,
    409: Conflict,
    503: ServiceUnavailable,
}


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    user_id: str
    lines: tuple[Line, ...]
    shipping_address_id: str
    payment_method: str
    payment_token: str
    idempotency_key: str | None = None


def request_hash(request: PlaceOrder) -> str:
    """A digest of what the client asked for (merged lines), to spot a reused key."""
    body = {
        "items": [[line.product_id, line.quantity] for line in merge_lines(list(request.lines))],
        "shippingAddressId": request.shipping_address_id,
        "payment": [request.payment_method, request.payment_token],
    }
    return hashlib.sha256(orjson.dumps(body)).hexdigest()


async def place_order(*, ctx: OrderContext, request: PlaceOrder) -> Order:
    """The CONFIRMED order, or the AppError the contract prescribes (402, 409, ...)."""
    if not request.lines:
        raise ValidationFailed("Order has no items", errors=[{"path": "items", "message": "empty"}])
    ctx.payments.check_token(request.payment_method, request.payment_token)
    _check_ids(request)
    lines = merge_lines(list(request.lines))
    digest = request_hash(request)
    try:
        order = await _new_order(ctx, request, lines, digest)
    except AppError:
        # A replay answers with the first result even if validating it again fails now
        # (stock sold out since, a peer down): only then is the key worth a look-up.
        first = await _replay(ctx, request, digest) if request.idempotency_key else None
        if first is None:
            raise
        return first
    try:
        async with ctx.uow() as uow:
            # PENDING is committed before any stock moves: a crash always leaves a record.
            # The unique (user, key) constraint is the idempotency check: a replay (or a
            # twin racing us) fails this insert, and nothing has been touched yet.
            await store.insert_order(uow.session, order, reason=PLACED_REASON)
            await uow.commit()
    except IntegrityError:
        # The key was used before, or a concurrent request with it won: answer as it does.
        first = await _replay(ctx, request, digest) if request.idempotency_key else None
        if first is None:  # pragma: no cover - the unique key is the only constraint
            raise
        return first
    ctx.in_flight.add(order.id)
    try:
        confirmed = await _run_saga(ctx, order, request.payment_token)
    finally:
        ctx.in_flight.discard(order.id)
    # The order as we confirmed it is what a read would return; any other end is read back.
    return confirmed or await outcome(ctx, order.id)


def _check_ids(request: PlaceOrder) -> None:
    bad = [
        {"path": path, "message": "not a valid id"}
        for path, value in [
            ("shippingAddressId", request.shipping_address_id),
            *(("items.productId", line.product_id) for line in request.lines),
        ]
        if not is_plausible_id(value)
    ]
    if request.idempotency_key is not None and not is_plausible_id(request.idempotency_key):
        bad.append({"path": "Idempotency-Key", "message": "1-100 letters, digits, _.:-"})
    if bad:
        raise ValidationFailed("Invalid request", errors=bad)
    if any(line.quantity < 1 for line in request.lines):
        raise ValidationFailed(
            "Invalid quantity", errors=[{"path": "items.quantity", "message": "must be >= 1"}]
        )


async def _new_order(
    ctx: OrderContext, request: PlaceOrder, lines: tuple[Line, ...], digest: str
) -> Order:
    # Independent reads: asked together, answered in the order the checks are made.
    validation, addresses, availability = await asyncio.gather(
        ctx.users.validate_user(request.user_id),
        ctx.users.addresses(request.user_id),
        ctx.products.check(lines),
        return_exceptions=True,
    )
    if isinstance(validation, BaseException):
        raise validation
    if not validation.valid:
        raise Forbidden(validation.reason or "User may not place orders")
    if isinstance(addresses, BaseException):
        raise addresses
    address = next((a for a in addresses if a.id == request.shipping_address_id), None)
    if address is None:
        raise NotFound(
            "Shipping address not found",
            errors=[{"path": "shippingAddressId", "message": "not one of your addresses"}],
        )
    if isinstance(availability, BaseException):
        raise availability
    prices = _prices(lines, availability)
    priced = tuple(PricedLine(ln.product_id, ln.quantity, prices[ln.product_id]) for ln in lines)
    now = utcnow()
    return Order(
        id=uuid.uuid4().hex,
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
    )


def _prices(lines: tuple[Line, ...], availability: list[Availability]) -> dict[str, int]:
    """Unit prices from the product service; 404 for unknown products, 409 when short."""
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
    return {pid: a.unit_price for pid, a in by_id.items()}


async def _run_saga(ctx: OrderContext, order: Order, token: str) -> Order | None:
    """The CONFIRMED order if this request confirmed it; None for any other end."""
    try:
        await ctx.products.reserve(
            order_id=order.id,
            lines=tuple(ln for ln in _lines(order)),
            ttl_seconds=ctx.reservation_ttl_seconds,
        )
    except Conflict as exc:  # short at reservation time: the product service held nothing
        await fail(ctx, order, code=409, reason=f"insufficient stock: {exc.message}")
        return None
    except NotFound as exc:
        await fail(ctx, order, code=404, reason=f"product not found: {exc.message}")
        return None
    except (ServiceUnavailable, UpstreamTimeout) as exc:
        # Whether a reservation was taken is unknown: fail now; settle releases it (or the
        # recovery loop does, once the product service answers again).
        await fail(ctx, order, code=503, reason=f"reservation failed: {exc.message}")
        return None
    ctx.faults.reached("after_reserve")
    charge = await ctx.payments.charge(order_id=order.id, amount=order.total, token=token)
    ctx.faults.reached("after_payment")
    if not charge.succeeded:
        await fail(ctx, order, code=402, reason=f"payment {charge.status.value.lower()}")
        return None
    try:
        return await confirm(ctx, order, charge)
    except (Conflict, NotFound):
        # The reservation expired or was released under us: the charge is refunded.
        await fail(ctx, order, code=409, reason="reservation lost before stock was committed")
    except (ServiceUnavailable, UpstreamTimeout):
        # Paid, stock not yet committed: the order stays PENDING and the recovery loop
        # finishes it (ReduceInventory is idempotent); a replay then answers with the result.
        pass
    return None


def _lines(order: Order) -> list[Line]:
    return [Line(i.product_id, i.quantity) for i in order.items]


async def outcome(ctx: OrderContext, order_id: str) -> Order:
    """What a placement answers for an order: the order, or the error it ended with."""
    async with ctx.sessions() as session:
        order = await store.get_order(session, order_id)
    if order is None:  # pragma: no cover - orders are never deleted
        raise NotFound("Order not found")
    if order.status is S.FAILED:
        error = _FAILURES.get(order.failure_code or 503, ServiceUnavailable)
        raise error(f"Order {order.id} failed: {order.failure_reason or 'unknown reason'}")
    if order.status is S.PENDING:
        raise ServiceUnavailable(
            f"Order {order.id} is still being processed; retry with the same Idempotency-Key"
        )
    return order


async def _replay(ctx: OrderContext, request: PlaceOrder, digest: str) -> Order | None:
    """The first result for this user's key, waiting for a twin still in flight."""
    assert request.idempotency_key is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.idempotency_wait_seconds
    while True:
        async with ctx.sessions() as session:
            first = await store.find_by_key(session, request.user_id, request.idempotency_key)
        if first is None:
            return None
        if first.request_hash != digest:
            raise Conflict(
                "Idempotency-Key was already used with a different request",
                errors=[{"path": "Idempotency-Key", "message": "reused with another body"}],
            )
        if first.status is not S.PENDING or loop.time() >= deadline:
            return await outcome(ctx, first.id)
        await asyncio.sleep(0.05)
