"""What each event type says to whom: the recipient and the template's context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from shop.notifications.events import IncomingEvent
from shop.notifications.failures import PermanentFailure


@dataclass(frozen=True)
class MailView:
    recipient: str
    context: dict[str, Any]


class OrderLine(NamedTuple):
    """One line of an order mail. An object, not a dict: Jinja2 reads `line.name` with
    getattr first, and on a dict that raised and caught an AttributeError per field."""

    name: str
    quantity: int
    unit_price: int
    line_total: int


def view_for(event: IncomingEvent, *, alert_recipient: str | None) -> MailView:
    """The mail an event calls for, or PermanentFailure when its data cannot make one."""
    data = event.data
    if event.type == "product.low_stock":
        if not alert_recipient:
            raise PermanentFailure("no recipient for low stock: set ADMIN_ALERT_EMAIL")
        return MailView(alert_recipient, _low_stock(data))
    recipient = _text(data, "email")
    if "@" not in recipient:
        raise PermanentFailure("data.email is not an email address")
    if event.type == "user.registered":
        return MailView(recipient, {"name": _text(data, "name", recipient), "email": recipient})
    context: dict[str, Any] = {"order_id": _text(data, "orderId")}
    if event.type == "order.created":
        context |= {
            "lines": [_line(item) for item in _list(data, "items")],
            "total": _cents(data, "total"),
            "address": _address(data.get("shippingAddress")),
        }
    elif event.type == "order.status_changed":
        context |= {"status": _text(data, "status"), "from_status": data.get("fromStatus")}
    else:  # order.cancelled
        context |= {"total": _cents(data, "total") if "total" in data else None}
    return MailView(recipient, context)


def _low_stock(data: dict[str, Any]) -> dict[str, Any]:
    threshold = data.get("lowStockThreshold")
    return {
        "product_id": _text(data, "productId"),
        "sku": _text(data, "sku"),
        "name": _text(data, "name", _text(data, "sku")),
        "stock": _int(data, "stock"),
        "threshold": threshold if isinstance(threshold, int) else None,
    }


def _line(item: Any) -> OrderLine:
    if not isinstance(item, dict):
        raise PermanentFailure("data.items holds something that is not an object")
    quantity, unit_price = _int(item, "quantity"), _cents(item, "unitPrice")
    # Events from before lines carried names still make a readable mail.
    name = _text(item, "name", _text(item, "productId"))
    return OrderLine(name, quantity, unit_price, quantity * unit_price)


def _address(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return []
    city_line = " ".join(
        str(value[k]) for k in ("postalCode", "city", "state") if value.get(k) not in (None, "")
    )
    parts = [value.get("line1"), value.get("line2"), city_line, value.get("country")]
    return [str(p) for p in parts if p not in (None, "")]


def _text(data: dict[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    if default is not None:
        return default
    raise PermanentFailure(f"data.{key} is missing or not a string")


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PermanentFailure(f"data.{key} is missing or not an integer")
    return value


def _cents(data: dict[str, Any], key: str) -> int:
    return _int(data, key)


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise PermanentFailure(f"data.{key} is missing or not a list")
    return value
