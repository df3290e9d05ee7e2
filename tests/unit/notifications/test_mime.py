"""The mail bytes written directly are the ones the stdlib's EmailMessage would write."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import orjson
import pytest

from shop.common.clock import utcnow
from shop.notifications.events import parse_event
from shop.notifications.mail.compose import Mail, compose
from shop.notifications.mail.mime import POLICY, date_header
from shop.notifications.mail.views import view_for

SENDER = "shop <no-reply@shop.local>"
LONG_NAME = "Дмитрий Иванович" + "ж" * 60


def _reference(written: bytes, event: dict[str, Any]) -> bytes:
    """The same mail built as the worker used to: EmailMessage, set_content, as_bytes."""
    mail = _compose(event)
    text, html = (str(part.get_content()) for part in mail.message().iter_parts())
    reference = EmailMessage(policy=POLICY)
    reference["Subject"] = mail.subject
    reference["From"] = SENDER
    reference["To"] = Address(addr_spec=event["data"].get("email", "ops@example.com"))
    reference["Date"] = _date(written)
    reference["Message-ID"] = f"<{event['id']}@shop>"
    reference["X-Shop-Event-Id"] = event["id"]
    if event.get("requestid"):
        reference["X-Request-ID"] = event["requestid"]
    reference.set_content(text)
    reference.add_alternative(html, subtype="html")
    return reference.as_bytes()


def _compose(event: dict[str, Any]) -> Mail:
    incoming = parse_event(orjson.dumps(event))
    return compose(incoming, view_for(incoming, alert_recipient="ops@example.com"), sender=SENDER)


def _date(written: bytes) -> str:
    found = re.search(rb"^Date: (.*)$", written, re.MULTILINE)
    assert found
    return found[1].decode()


def _order(items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    data = {"email": "a@b.c", "orderId": "o1", "total": 123456, "items": items, **extra}
    return {"id": "e1", "type": "order.created", "requestid": "r1", "data": data}


def _welcome(name: str, *, event_id: str = "e1", email: str = "a@b.c") -> dict[str, Any]:
    data = {"email": email, "name": name}
    return {"id": event_id, "type": "user.registered", "data": data}


WIDGET = {"productId": "p1", "name": "Widget", "quantity": 2, "unitPrice": 1999}
CASES = {
    "ascii, 7bit html": _order([WIDGET], shippingAddress={"line1": "1 Main"}),
    "long name, quoted-printable html": _order([{**WIDGET, "name": "Big widget " * 8}]),
    "8bit text, encoded subject": _welcome("<script>Zoë Ω 日本"),
    "base64 parts, folded subject": _welcome(LONG_NAME * 3),
    "long quoted-printable text": _order([{**WIDGET, "name": "Чай " * 20}] * 15),
    "'=' across many long lines": _order([{**WIDGET, "name": "a = b\t=" * 12}] * 12),
    "encoded word in the data": _welcome("=?utf-8?q?x?= a  b"),
    "subject too long for a line": _welcome("x" * 300),
    "odd id and address": _welcome("n", event_id="a..b", email="o'neil+x@sub.b-c.example"),
    "address literal": _welcome("n", event_id="x" * 64, email="a@[1.2.3.4]"),
    "low stock": {
        "id": "e2",
        "type": "product.low_stock",
        "requestid": "r" * 128,
        "data": {"productId": "p", "sku": "S", "name": "Thing", "stock": 1},
    },
}


@pytest.mark.parametrize("event", CASES.values(), ids=CASES.keys())
def test_the_bytes_are_what_email_message_writes(event: dict[str, Any]) -> None:
    written = _compose(event).data
    boundary = re.compile(rb"={15}\d{19}==")
    assert len(set(boundary.findall(written))) == 1
    expected = _reference(written, event)
    assert boundary.sub(b"B", written) == boundary.sub(b"B", expected)


def test_the_date_is_now_in_utc() -> None:
    before = utcnow().replace(microsecond=0)
    date = parsedate_to_datetime(_date(_compose(CASES["low stock"]).data))
    assert date.utcoffset() == timedelta(0) and before <= date <= utcnow()


def test_the_date_header_follows_the_second() -> None:
    start = datetime(2026, 11, 30, 14, 0, 59, 999_999, tzinfo=UTC)
    for moment in (start, start + timedelta(microseconds=1), start + timedelta(hours=1), start):
        expected = f"Date: {format_datetime(moment.replace(microsecond=0))}\n"
        assert date_header(moment) == expected
