"""POST /orders: what its FastAPI route and its lean path (common.http_hot_route) both run."""

from __future__ import annotations

import functools

from pydantic import ValidationError
from starlette.responses import Response
from starlette.types import Scope

from shop.common.envelope import Envelope
from shop.common.http_hot_route import Call, Prepare
from shop.orders.context import Context
from shop.orders.domain import Line
from shop.orders.placement.request import PlaceOrder
from shop.orders.placement.saga import place_order
from shop.orders.schemas import OrderCreate, OrderRead

# The declared limit of the route's Idempotency-Key header.
IDEMPOTENCY_KEY_MAX = 200
# Content types that FastAPI parses as JSON; any other leaves the request to FastAPI.
_JSON = frozenset(
    {b"application/json", b"application/json; charset=utf-8", b"application/json;charset=utf-8"}
)
_ROLES = frozenset({b"user", b"admin"})
# Parametrised once: pydantic caches the class, but looking it up costs 1.5 us per order.
_ENVELOPE = Envelope[OrderRead]


async def place(
    ctx: Context, *, user_id: str, body: OrderCreate, idempotency_key: str | None
) -> Response:
    """Places the order; the 201 with its envelope, serialised once by its own model."""
    order = await place_order(
        ctx=ctx,
        request=PlaceOrder(
            user_id=user_id,
            lines=tuple(Line(i.product_id, i.quantity) for i in body.items),
            shipping_address_id=body.shipping_address_id,
            payment_method=body.payment.method,
            payment_token=body.payment.token,
            idempotency_key=idempotency_key or None,
        ),
    )
    envelope = _ENVELOPE(data=OrderRead.of(order), message="Order placed")
    return Response(envelope.json_bytes(), status_code=201, media_type="application/json")


def lean_place(ctx: Context) -> Prepare:
    """The lean path's `prepare`: a POST /orders that FastAPI would hand to `place`, with the
    same arguments, becomes that call; any other (not JSON, a body or header it refuses, no
    principal) is left to FastAPI, so every refusal keeps FastAPI's status and messages."""

    def prepare(scope: Scope, body: bytes) -> Call | None:
        content_type = user_id = role = key = None
        # Starlette's `headers.get`: the first of each, names as the server lowercased them.
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value if content_type is None else content_type
            elif name == b"x-user-id":
                user_id = value if user_id is None else user_id
            elif name == b"x-user-role":
                role = value if role is None else role
            elif name == b"idempotency-key":
                key = value if key is None else key
        if content_type is None or content_type.lower() not in _JSON:
            return None
        if not user_id or role not in _ROLES:
            return None
        if key is not None and len(key) > IDEMPOTENCY_KEY_MAX:
            return None
        try:
            # The route's own model. Where its JSON parser and FastAPI's json.loads differ
            # (a BOM, deep nesting, huge numbers, lone surrogates), it is the stricter one:
            # such a body only goes to FastAPI (tests/integration/orders/test_rest_hot_route).
            data = OrderCreate.model_validate_json(body)
        except ValidationError:
            return None
        return functools.partial(
            place,
            ctx,
            user_id=user_id.decode("latin-1"),
            body=data,
            idempotency_key=None if key is None else key.decode("latin-1"),
        )

    return prepare
