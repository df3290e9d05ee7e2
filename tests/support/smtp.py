"""A real SMTP server (aiosmtpd) for tests, told how to answer: accept, refuse, or stall."""

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

from tests.support.stack import free_port


@dataclass
class MailServer:
    """What the server received, and how it answers the next DATA commands."""

    port: int = 0
    received: list[EmailMessage] = field(default_factory=list)
    attempts: list[tuple[float, str]] = field(default_factory=list)  # (time, Message-ID)
    # Replies to DATA, used up one per attempt; empty means "250 accepted".
    replies: list[str] = field(default_factory=list)
    refuse_rcpt: str | None = None  # e.g. "550 5.1.1 no such user", for every recipient
    stall: threading.Event | None = None  # while set, DATA hangs (then answers 451)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def mails_for(self, event_id: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.received if m["X-Shop-Event-Id"] == event_id]

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(mail, EmailMessage)
        with self._lock:
            self.attempts.append((time.monotonic(), str(mail["Message-ID"])))
        stall = self.stall
        if stall is not None:
            while stall.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 try again later"
        with self._lock:
            if self.replies:
                return self.replies.pop(0)
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
