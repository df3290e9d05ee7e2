"""A real SMTP server (aiosmtpd) for tests, told how to answer: accept, refuse, or stall.

Rules are per event id: the worker under test also receives events other runs publish on
the shared broker, and those must not use up a test's refusals.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.ports import free_port


@dataclass
class MailServer:
    """What the server received, and how it answers mail for given event ids."""

    port: int = 0
    received: list[EmailMessage] = field(default_factory=list)
    attempts: list[tuple[float, str]] = field(default_factory=list)  # (time, event id)
    # Replies to DATA for an event id, used up one per attempt; none left: "250 accepted".
    replies: dict[str, list[str]] = field(default_factory=dict)
    # Recipient address -> the reply refusing it (e.g. "550 5.1.1 no such user").
    refuse_rcpt: dict[str, str] = field(default_factory=dict)
    # Event id -> an event that, while set, makes DATA hang (then answer 451).
    stall: dict[str, threading.Event] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def mails_for(self, event_id: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.received if m["X-Shop-Event-Id"] == event_id]

    def attempts_for(self, event_id: str) -> list[float]:
        with self._lock:
            return [t for t, e in self.attempts if e == event_id]

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        refusal = self.refuse_rcpt.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(mail, EmailMessage)
        event_id = str(mail["X-Shop-Event-Id"])
        with self._lock:
            self.attempts.append((time.monotonic(), event_id))
        stall = self.stall.pop(event_id, None)
        if stall is not None:
            while stall.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 try again later"
        with self._lock:
            replies = self.replies.get(event_id)
            if replies:
                return replies.pop(0)
            self.received.append(mail)
        return "250 Message accepted"


@contextmanager
def mail_server() -> Iterator[MailServer]:
    server = MailServer(port=free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
