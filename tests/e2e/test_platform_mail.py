"""Mail end to end: with no SMTP_URL, the worker drops each mail as DATA_DIR/mail/<id>.eml."""

from __future__ import annotations

import email
import email.policy
import time
from email.message import EmailMessage
from pathlib import Path

import httpx

from tests.support.shopping import new_product, new_shopper, place
from tests.support.stack import Stack


def _mail_to(stack: Stack, recipient: str, subject_has: str, within: float = 30) -> EmailMessage:
    mail_dir = Path(stack.env["DATA_DIR"]) / "mail"
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for path in mail_dir.glob("*.eml") if mail_dir.exists() else []:
            mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(mail, EmailMessage)
            if mail["To"] == recipient and subject_has in str(mail["Subject"]):
                assert path.name == f"{mail['X-Shop-Event-Id']}.eml"
                return mail
        time.sleep(0.2)
    raise AssertionError(f"no mail to {recipient} about {subject_has!r}")


def test_registration_and_order_confirmation_are_mailed(stack: Stack) -> None:
    shopper = new_shopper(stack)
    me = stack.client.get("/users/me", headers=shopper.headers).json()["data"]
    welcome = _mail_to(stack, me["email"], "Welcome")
    assert welcome["Message-ID"] == f"<{welcome['X-Shop-Event-Id']}@shop>"

    product = new_product(stack, stock=5, price=1250)
    name = stack.client.get(f"/products/{product}").json()["data"]["name"]
    resp = place(stack, shopper, [(product, 2)])
    assert resp.status_code == 201, resp.text
    order = resp.json()["data"]
    confirmation = _mail_to(stack, me["email"], order["id"])
    body = confirmation.get_body(preferencelist=("plain",))
    assert body is not None
    text = str(body.get_content())
    assert f"2 x {name} at 12.50 = 25.00" in text
    assert "Total: 25.00" in text and "1 Test Street" in text


def test_the_worker_is_ready_and_exports_its_metrics(stack: Stack) -> None:
    base = stack.url("notifications")
    ready = httpx.get(f"{base}/health/ready")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) == {"database", "broker"}
    metrics = httpx.get(f"{base}/metrics").text
    assert "notifications_queue_depth" in metrics and "notifications_dlq_depth" in metrics
