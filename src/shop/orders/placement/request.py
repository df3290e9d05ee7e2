"""What a client asks for when placing an order: the command, its digest, its id checks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson

from shop.common.errors import ValidationFailed
from shop.orders.domain import Line, is_plausible_id, merge_lines


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


def check_ids(request: PlaceOrder) -> None:
    """ValidationFailed unless every id (and the key) is plausible and every quantity >= 1."""
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
