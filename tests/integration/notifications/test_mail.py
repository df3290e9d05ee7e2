"""One mail per event, with the contract's headers, however often the event arrives."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest

from tests.integration.notifications.conftest import WorkerFactory
from tests.integration.notifications.support import event, eventually, user_registered
from tests.support.smtp import MailServer

pytestmark = pytest.mark.timeout(300)


def _parts(mail: EmailMessage) -> tuple[str, str]:
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def _order(kind: str, email: str, **extra: Any) -> dict[str, Any]:
    return event(
        kind, {"orderId": f"o-{uuid.uuid4().hex[:6]}", "userId": "u1", "email": email, **extra}
    )


async def test_one_mail_per_event_type(
    worker_factory: WorkerFactory, smtp: MailServer, publish: Callable[..., Any]
) -> None:
    worker_factory()
    buyer = f"buyer-{uuid.uuid4().hex[:6]}@example.com"
    welcome = user_registered(name="<script>alert(1)</script>")
    created = _order(
        "order.created",
        buyer,
        status="CONFIRMED",
        total=1_234_567,
        items=[
            {"productId": "p1", "name": "Blue <b>Mug</b>", "quantity": 3, "unitPrice": 1250},
            {"productId": "p2", "name": "Teapot", "quantity": 1, "unitPrice": 1_230_817},
        ],
        shippingAddress={
            "line1": "1 Canal St",
            "city": "Utrecht",
            "postalCode": "3511",
            "country": "NL",
        },
    )
    changed = _order("order.status_changed", buyer, fromStatus="CONFIRMED", status="SHIPPED")
    cancelled = _order("order.cancelled", buyer, fromStatus="CONFIRMED", total=500)
    low = event(
        "product.low_stock",
        {"productId": "p9", "sku": "MUG-9", "name": "Mug", "stock": 2, "lowStockThreshold": 5},
    )
    events = [welcome, created, changed, cancelled, low]
    for e in events:
        await publish(e)
    await eventually(lambda: all(smtp.mails_for(e["id"]) for e in events))

    mails = {e["type"]: smtp.mails_for(e["id"])[0] for e in events}
    for e in events:
        mail = mails[e["type"]]
        assert mail["Message-ID"] == f"<{e['id']}@shop>"
        assert mail["X-Shop-Event-Id"] == e["id"]
        assert mail["X-Request-ID"] == "req-test"
        assert mail["From"] == "shop <no-reply@shop.local>"
        assert mail["Subject"]

    text, html = _parts(mails["user.registered"])
    assert mails["user.registered"]["To"] == welcome["data"]["email"]
    assert "<script>" in text and "<script>" not in html and "&lt;script&gt;" in html

    order = mails["order.created"]
    text, html = _parts(order)
    assert order["To"] == buyer and "12,345.67" in order["Subject"]
    assert "3 x Blue <b>Mug</b> at 12.50 = 37.50" in text
    assert "1 x Teapot at 12,308.17 = 12,308.17" in text
    assert "Total: 12,345.67" in text and "1 Canal St" in text and "3511 Utrecht" in text
    assert "Blue &lt;b&gt;Mug&lt;/b&gt;" in html and "12,345.67" in html

    assert "SHIPPED" in _parts(mails["order.status_changed"])[0]
    assert "cancelled" in _parts(mails["order.cancelled"])[0]
    assert mails["product.low_stock"]["To"] == "stock-team@example.com"
    text, _ = _parts(mails["product.low_stock"])
    assert "MUG-9" in text and "down to 2 units" in text


async def test_same_event_twice_sends_one_mail(
    worker_factory: WorkerFactory, smtp: MailServer, publish: Callable[..., Any]
) -> None:
    worker = worker_factory()
    twice, after = user_registered(), user_registered()
    await publish(twice)
    await publish(twice)
    await publish(after)
    # The later event is delivered, so both copies of the first have been handled.
    await eventually(lambda: bool(smtp.mails_for(after["id"])))
    await eventually(lambda: 'result="duplicate"' in worker.metrics())
    assert len(smtp.mails_for(twice["id"])) == 1


async def test_redelivery_after_a_kill_mid_delivery_sends_one_mail(
    worker_factory: WorkerFactory, smtp: MailServer, publish: Callable[..., Any]
) -> None:
    first = worker_factory()
    e = user_registered()
    stalled = smtp.stall[e["id"]] = threading.Event()
    stalled.set()
    await publish(e)
    await eventually(lambda: len(smtp.attempts_for(e["id"])) == 1)
    first.kill()  # mid-delivery: the mail is claimed, not yet accepted
    stalled.clear()  # the stalled attempt now fails with 451: nothing was accepted
    worker_factory()  # the broker redelivers the unacked message to the new worker
    await eventually(lambda: bool(smtp.mails_for(e["id"])), within=30)
    later = user_registered()
    await publish(later)
    await eventually(lambda: bool(smtp.mails_for(later["id"])))
    assert len(smtp.mails_for(e["id"])) == 1
