"""The worker's pure parts: refusing poison, what each event says, retry delays."""

from __future__ import annotations

import aiosmtplib
import orjson
import pytest
from sqlalchemy.exc import OperationalError

from shop.notifications.broker.topology import Queues, retry_delay
from shop.notifications.events import IncomingEvent, parse_event
from shop.notifications.failures import PermanentFailure, TransientFailure, classify
from shop.notifications.mail.compose import compose, money
from shop.notifications.mail.transports import SmtpTransport
from shop.notifications.mail.views import view_for


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "not JSON"),
        (b"[]", "JSON an array"),
        (b"null", "JSON null"),
        (b'"x"', "JSON a string"),
        (b'{"type": "user.registered", "data": {}}', "no usable id"),
        (b'{"id": "a/../b", "type": "user.registered", "data": {}}', "no usable id"),
        (b'{"id": "e1", "data": {}}', "no type"),
        (b'{"id": "e1", "type": "user.deleted", "data": {}}', "unknown type"),
        (b'{"id": "e1", "type": "user.registered", "data": "x"}', "data is JSON a string"),
        (b'{"id": "e1", "type": "user.registered"}', "data is JSON null"),
    ],
)
def test_poison_is_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(PermanentFailure, match=reason):
        parse_event(body)


def test_request_id_cannot_break_a_header() -> None:
    body = {"id": "e1", "type": "user.registered", "data": {}, "requestid": "a\r\nBcc: x"}
    assert parse_event(orjson.dumps(body)).request_id == "aBcc:x"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"),
        ("!~:._-", "!~:._-"),
        ("x" * 128, "x" * 128),
        ("x" * 129, "x" * 128),
        ("a b", "ab"),
        ("zoë\n", "zo"),
        ("trailing\n", "trailing"),
        (" \t", None),
        ("", None),
        (7, None),
    ],
)
def test_header_values_keep_printable_ascii_only(sent: object, kept: str | None) -> None:
    body = {"id": "e1", "type": "user.registered", "data": {}, "requestid": sent}
    body["traceparent"] = sent
    event = parse_event(orjson.dumps(body))
    assert event.request_id == kept and event.traceparent == kept


def _event(kind: str, **data: object) -> IncomingEvent:
    return IncomingEvent(id="e1", type=kind, data=dict(data), request_id="r1")


def test_money_is_formatted_from_cents() -> None:
    assert [money(0), money(5), money(123456), money(-250)] == [
        "0.00",
        "0.05",
        "1,234.56",
        "-2.50",
    ]


def test_unusable_data_is_permanent() -> None:
    with pytest.raises(PermanentFailure, match="email"):
        view_for(_event("user.registered", name="x"), alert_recipient=None)
    with pytest.raises(PermanentFailure, match="items"):
        view_for(
            _event("order.created", email="a@b.c", orderId="o", total=1, items="x"),
            alert_recipient=None,
        )
    with pytest.raises(PermanentFailure, match="ADMIN_ALERT_EMAIL"):
        view_for(_event("product.low_stock", sku="s", stock=1), alert_recipient=None)


def test_recipient_cannot_smuggle_a_second_address() -> None:
    event = _event("user.registered", email="a@b.c, evil@x.y", name="n")
    with pytest.raises(PermanentFailure):
        compose(event, view_for(event, alert_recipient=None), sender="s <s@shop.local>")


def test_the_mail_has_the_contract_headers_and_two_parts() -> None:
    event = _event("order.status_changed", email="a@b.c", orderId="o1", status="SHIPPED")
    composed = compose(event, view_for(event, alert_recipient=None), sender="s <s@shop.local>")
    assert composed.recipient == "a@b.c" and composed.subject.startswith("Order o1")
    mail = composed.message()
    assert mail["Message-ID"] == "<e1@shop>" and mail["X-Shop-Event-Id"] == "e1"
    assert mail["X-Request-ID"] == "r1" and mail["To"] == "a@b.c"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]


def test_retry_delays_grow_with_jitter() -> None:
    for attempt in range(1, 8):
        ceiling = 0.5 * 2 ** (attempt - 1)
        delays = [retry_delay(attempt, 0.5) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1
    queues = Queues(main="n", max_attempts=8)
    assert queues.retry(1) == "n.retry.1" and queues.retry(7) == "n.retry.7"
    assert queues.dlq == "n.dlq" and len(queues.side_queues()) == 8


def test_failures_are_sorted_by_whether_retrying_helps() -> None:
    assert isinstance(classify(aiosmtplib.SMTPDataError(421, "busy")), TransientFailure)
    assert isinstance(classify(aiosmtplib.SMTPDataError(554, "no")), PermanentFailure)
    refused = aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "x", "a")])
    assert isinstance(classify(refused), PermanentFailure)
    assert isinstance(classify(ConnectionRefusedError()), TransientFailure)
    locked = OperationalError("SELECT 1", {}, Exception("database is locked"))
    assert isinstance(classify(locked), TransientFailure)


def test_smtp_url_forms() -> None:
    assert SmtpTransport("smtp://mail:2525").description == "smtp://mail:2525"
    assert SmtpTransport("smtps://u:p%40ss@mail").description == "smtps://mail:465"
    with pytest.raises(ValueError, match="SMTP_URL"):
        SmtpTransport("http://mail")
