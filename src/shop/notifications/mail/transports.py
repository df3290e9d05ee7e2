"""Where mail goes: an SMTP server (SMTP_URL), or a drop of .eml files under DATA_DIR/mail."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from shop.common.logging import get_logger
from shop.notifications.mail.compose import Mail

log = get_logger("shop.notifications.delivery")


class Transport(Protocol):
    description: str

    async def send(self, mail: Mail, *, event_id: str) -> None:
        """Returns once the mail is accepted; raises when it was not."""


class SmtpTransport:
    def __init__(self, url: str, *, timeout: float = 20.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://[user:password@]host:port")
        query = parse_qs(parts.query)
        self._options = {
            "hostname": parts.hostname,
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "use_tls": parts.scheme == "smtps",
            # The contract's ?starttls=true upgrades; without it the session stays as dialled.
            "start_tls": query.get("starttls", [""])[0].lower() == "true",
            "timeout": timeout,
        }
        self.description = f"{parts.scheme}://{parts.hostname}:{self._options['port']}"

    async def send(self, mail: Mail, *, event_id: str) -> None:
        await aiosmtplib.send(mail.message(), **self._options)  # type: ignore[arg-type]


class MailDropTransport:
    """A development mail drop a person can open: DATA_DIR/mail/<event id>.eml."""

    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._prefix = os.path.join(directory, "")
        self.description = f"files in {directory.resolve()}"

    async def send(self, mail: Mail, *, event_id: str) -> None:
        # Written on the loop: a few kB to a local file cost less than a hop to a thread.
        path = self._write(mail.data, event_id)
        log.info("mail_written", path=path, to=mail.recipient, subject=mail.subject)

    def _write(self, data: bytes, event_id: str) -> str:
        path = f"{self._prefix}{event_id}.eml"
        partial = f"{path}.partial"
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        except FileNotFoundError:  # the first mail, or the directory was removed since
            self._dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        # os.write, not open(fd): the file object's fstat, ioctl and seek are three more
        # system calls per mail.
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        # A reader never sees half a mail; a second write of the same event replaces it.
        os.replace(partial, path)
        return path


def transport_for(*, smtp_url: str | None, mail_dir: Path) -> Transport:
    return SmtpTransport(smtp_url) if smtp_url else MailDropTransport(mail_dir)
