"""The deliveries table on SQLite, through the stdlib driver, mostly on the event loop.

Through SQLAlchemy and aiosqlite each transaction took about eight hops to aiosqlite's
thread (cursor, BEGIN, cursor, statement, COMMIT, the pool's ROLLBACK, ...), and the hops
and the layers cost about 1 ms of CPU per mail; `SqliteRunner` runs each transaction on the
loop unless it would have to wait. The statements and the rules are those of
`DeliveryStore`'s SQLAlchemy path (same table, same text for datetimes as SQLAlchemy's
SQLite DateTime), so either reads what the other wrote.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from shop.common.clock import as_utc, utcnow
from shop.notifications.failures import TransientFailure
from shop.notifications.store.claim_rules import LOST_TAKE_OVER, may_take_over
from shop.notifications.store.sqlite_runner import SqliteRunner


def _stored(moment: datetime) -> str:
    # SQLAlchemy's text for a DateTime on SQLite, "2026-11-30 09:41:20.000123" (naive; every
    # value is UTC); isoformat writes it several times faster than strftime.
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")


_CLAIM = (
    "INSERT INTO notification_deliveries (event_id, event_type, recipient, subject, status,"
    " claimed_by, claimed_at, attempts, request_id) VALUES (?, ?, ?, ?, 'pending', ?, ?, 1, ?)"
)
_CLAIMED = "SELECT status, claimed_by, claimed_at FROM notification_deliveries WHERE event_id = ?"
# Compare-and-set on the old claim: of two takers, one wins.
_TAKE_OVER = (
    "UPDATE notification_deliveries SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1"
    " WHERE event_id = ? AND status = 'pending' AND claimed_at = ?"
)
_MARK_SENT = "UPDATE notification_deliveries SET status = 'sent', sent_at = ? WHERE event_id = ?"
_STATUS = "SELECT status FROM notification_deliveries WHERE event_id = ?"


class SqliteDeliveries:
    def __init__(self, path: str) -> None:
        self._db = SqliteRunner(path)

    async def claim(
        self,
        *,
        event_id: str,
        event_type: str,
        recipient: str,
        subject: str,
        request_id: str | None,
        worker_id: str,
        lease: timedelta,
    ) -> bool:
        """True when the event is this worker's to mail, False when it was sent already;
        TransientFailure while another worker's claim is fresh."""
        now = utcnow()
        claimed_now = _stored(now)
        row = (event_id, event_type, recipient, subject, worker_id, claimed_now, request_id)
        try:
            # The usual case, a first claim: the INSERT alone, its own transaction.
            await self._db.write_statement(_CLAIM, row)
            return True
        except sqlite3.IntegrityError:
            pass

        def take_over(conn: sqlite3.Connection) -> bool:
            # Rows are never deleted: the one the INSERT ran into is still there.
            status, claimed_by, claimed_at = conn.execute(_CLAIMED, (event_id,)).fetchone()
            if not may_take_over(
                status=status,
                claimed_by=claimed_by,
                claimed_at=as_utc(datetime.fromisoformat(claimed_at)),
                worker_id=worker_id,
                now=now,
                lease=lease,
            ):
                return False
            taken = conn.execute(_TAKE_OVER, (worker_id, claimed_now, event_id, claimed_at))
            if taken.rowcount != 1:
                raise TransientFailure(LOST_TAKE_OVER)
            return True

        return await self._db.write(take_over)

    async def mark_sent(self, event_id: str) -> None:
        await self._db.write_statement(_MARK_SENT, (_stored(utcnow()), event_id))

    async def is_sent(self, event_id: str) -> bool:
        def status(conn: sqlite3.Connection) -> bool:
            found = conn.execute(_STATUS, (event_id,)).fetchone()
            return found is not None and found[0] == "sent"

        return await self._db.read(status)

    async def ping(self) -> None:
        await self._db.read(lambda conn: conn.execute("SELECT 1").fetchone())

    async def close(self) -> None:
        await self._db.close()
