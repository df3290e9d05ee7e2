"""The mail templates as compose renders them: what Jinja2's own render writes, short lines."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest

from shop.common.events import cloud_event
from shop.notifications.events import EVENT_TYPES, IncomingEvent, parse_event
from shop.notifications.failures import PermanentFailure
from shop.notifications.mail import compose as compose_module
from shop.notifications.mail.compose import compose
from shop.notifications.mail.views import MailView, view_for

ORDER_ID = uuid.uuid4().hex
DATA: dict[str, dict[str, Any]] = {
    "user.registered": {"email": "ann.example@example.com", "name": "Ann <b>O'Neil</b>"},
    "order.created": {
        "email": "buyer@example.com",
        "orderId": ORDER_ID,
        "total": 1_234_567,
        "items": [
            {"productId": "p1", "name": "Blue <b>Mug</b>", "quantity": 3, "unitPrice": 1250},
            {"productId": "p2", "name": "Teapot & cosy", "quantity": 1, "unitPrice": 1_230_817},
        ],
        "shippingAddress": {
            "line1": "1 Canal Street",
            "line2": "Flat 4",
            "city": "Utrecht",
            "postalCode": "3511",
            "country": "NL",
        },
    },
    "order.status_changed": {
        "email": "buyer@example.com",
        "orderId": ORDER_ID,
        "status": "CONFIRMED",
        "fromStatus": "PENDING",
    },
    "order.cancelled": {"email": "buyer@example.com", "orderId": ORDER_ID, "total": 500},
    "product.low_stock": {
        "productId": uuid.uuid4().hex,
        "sku": "MUG-9",
        "name": "Mug",
        "stock": 2,
        "lowStockThreshold": 5,
    },
}


def _event(kind: str) -> IncomingEvent:
    body = cloud_event(event_type=kind, source="/test", data=DATA[kind], request_id="r1")
    return parse_event(orjson.dumps(body))


@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_each_template_renders_what_jinja_render_writes(kind: str) -> None:
    event = _event(kind)
    context = {**view_for(event, alert_recipient="ops@example.com").context, "event_id": event.id}
    for part in ("subject.txt", "body.txt", "body.html"):
        name = f"{kind}/{part}"
        expected = compose_module._templates.get_template(name).render(context)
        assert compose_module._render(name, context) == expected


@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_an_html_part_needs_no_transfer_encoding(kind: str) -> None:
    # The HTML templates keep their lines short: a part with a line over 78 characters is
    # quoted-printable, encoded character by character in Python.
    event = _event(kind)
    mail = compose(event, view_for(event, alert_recipient="ops@example.com"), sender="s@x.y")
    html = mail.message().get_body(preferencelist=("html",))
    assert html is not None and html["Content-Transfer-Encoding"] == "7bit"


def test_a_template_that_cannot_render_is_permanent() -> None:
    event = _event("order.created")
    view = view_for(event, alert_recipient=None)
    context = {k: v for k, v in view.context.items() if k != "total"}
    with pytest.raises(PermanentFailure, match=r"template order\.created: 'total' is undefined"):
        compose(event, MailView(view.recipient, context), sender="s@x.y")
