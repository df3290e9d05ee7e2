"""What went wrong with a message, sorted by whether trying again can help."""

from __future__ import annotations

import sqlite3

import aiosmtplib
from sqlalchemy.exc import DBAPIError, OperationalError


class PermanentFailure(Exception):
    """Trying again cannot help: the message goes to the dead-letter queue at once."""


class TransientFailure(Exception):
    """Trying again later may help: the message is retried with backoff."""


def classify(exc: BaseException) -> PermanentFailure | TransientFailure:
    """The failure an exception from handling stands for, with a one-line reason."""
    if isinstance(exc, PermanentFailure | TransientFailure):
        return exc
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        reason = f"SMTP refused recipients: {_one_line(str(codes))}"
        return (
            PermanentFailure(reason) if all(c >= 500 for c in codes) else TransientFailure(reason)
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 500:
        return PermanentFailure(f"SMTP {exc.code}: {_one_line(exc.message)}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return TransientFailure(f"SMTP {exc.code}: {_one_line(exc.message)}")
    if isinstance(exc, OperationalError | DBAPIError):
        return TransientFailure(f"database: {type(exc.orig).__name__}")
    if isinstance(exc, sqlite3.Error):  # the SQLite store's own driver (busy, disk full)
        return TransientFailure(f"database: {type(exc).__name__}")
    # Network trouble and anything unforeseen: retried, and dead-lettered once attempts
    # are used up, so a bug can neither loop nor stop the worker.
    return TransientFailure(f"{type(exc).__name__}: {_one_line(str(exc))}")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
