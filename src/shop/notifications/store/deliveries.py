"""The deliveries table: claim an event before mailing it, mark it sent once accepted.

The order (claim, deliver, mark sent, ack) means a crash can repeat a mail but never lose
one: the duplicate window is between the transport accepting the mail and the "sent" row
being committed.
"""

from __future__ import annotations

import enum
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.common.clock import as_utc, utcnow
from shop.common.db import create_engine
from shop.notifications.events import IncomingEvent
from shop.notifications.failures import TransientFailure
from shop.notifications.store.claim_rules import LOST_TAKE_OVER, may_take_over
from shop.notifications.store.models import deliveries
from shop.notifications.store.sqlite_direct import SqliteDeliveries

# Built once: each event runs these two, and building a statement per call costs more than
# executing it on SQLite.
_CLAIM = deliveries.insert()
_MARK_SENT = (
    update(deliveries)
    .where(deliveries.c.event_id == bindparam("sent_event_id"))
    .values(status="sent", sent_at=bindparam("sent_at"))
)


class Claim(enum.Enum):
    MINE = "mine"
    ALREADY_SENT = "already_sent"


class DeliveryStore:
    """The worker's record of what it mailed; each call is its own short transaction.

    On a SQLite file (the embedded default) the calls go to `SqliteDeliveries`, the
    stdlib driver on one thread, at a tenth of the CPU; elsewhere through the engine. On a
    server database the two single statements of a mail (a first claim's INSERT, the
    mark-sent UPDATE) run on an autocommit engine of the store's own: no BEGIN and COMMIT
    round trips, about half the worker's CPU of those writes on PostgreSQL.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._direct = _direct_for(engine)
        # A pool of its own: switching pooled connections in and out of autocommit costs
        # round trips of its own. SQLite keeps one engine (a second one could open another
        # in-memory database).
        self._single = engine
        if engine.url.get_backend_name() != "sqlite":
            url = engine.url.render_as_string(hide_password=False)
            self._single = create_engine(url, autocommit=True, pool_size=10)

    async def claim(
        self,
        event: IncomingEvent,
        *,
        recipient: str,
        subject: str,
        worker_id: str,
        lease: timedelta,
    ) -> Claim:
        """Takes the event for this worker, or says it was sent; TransientFailure while
        another worker's claim is fresh (it may be mailing it right now)."""
        if self._direct is not None:
            mine = await self._direct.claim(
                event_id=event.id,
                event_type=event.type,
                recipient=recipient,
                subject=subject[:300],
                request_id=event.request_id,
                worker_id=worker_id,
                lease=lease,
            )
            return Claim.MINE if mine else Claim.ALREADY_SENT
        now = utcnow()
        try:
            # One statement, one transaction (begin() sends nothing on the autocommit engine).
            async with self._single.begin() as conn:
                await conn.execute(
                    _CLAIM,
                    {
                        "event_id": event.id,
                        "event_type": event.type,
                        "recipient": recipient,
                        "subject": subject[:300],
                        "status": "pending",
                        "claimed_by": worker_id,
                        "claimed_at": now,
                        "attempts": 1,
                        "request_id": event.request_id,
                    },
                )
            return Claim.MINE
        except IntegrityError:
            pass
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(
                        deliveries.c.status, deliveries.c.claimed_by, deliveries.c.claimed_at
                    ).where(deliveries.c.event_id == event.id)
                )
            ).one()
            if not may_take_over(
                status=row.status,
                claimed_by=row.claimed_by,
                claimed_at=as_utc(row.claimed_at),
                worker_id=worker_id,
                now=now,
                lease=lease,
            ):
                return Claim.ALREADY_SENT
            # Compare-and-set on the old claim: of two takers, one wins.
            taken = await conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.event_id == event.id,
                    deliveries.c.status == "pending",
                    deliveries.c.claimed_at == row.claimed_at,
                )
                .values(claimed_by=worker_id, claimed_at=now, attempts=deliveries.c.attempts + 1)
            )
        if taken.rowcount != 1:
            raise TransientFailure(LOST_TAKE_OVER)
        return Claim.MINE

    async def mark_sent(self, event_id: str) -> None:
        if self._direct is not None:
            return await self._direct.mark_sent(event_id)
        async with self._single.begin() as conn:
            await conn.execute(_MARK_SENT, {"sent_event_id": event_id, "sent_at": utcnow()})

    async def is_sent(self, event_id: str) -> bool:
        if self._direct is not None:
            return await self._direct.is_sent(event_id)
        query = select(deliveries.c.status).where(deliveries.c.event_id == event_id)
        async with self.engine.connect() as conn:
            return (await conn.execute(query)).scalar_one_or_none() == "sent"

    async def ping(self) -> None:
        """Raises when the database cannot be reached (readiness)."""
        if self._direct is not None:
            return await self._direct.ping()
        async with self.engine.connect() as conn:
            await conn.execute(select(1))

    async def close(self) -> None:
        """Closes what the store opened itself (the engine is the caller's)."""
        if self._direct is not None:
            await self._direct.close()
        if self._single is not self.engine:
            await self._single.dispose()


def _direct_for(engine: AsyncEngine) -> SqliteDeliveries | None:
    # Only a plain file: an in-memory database is per connection, and options in the URL
    # (a URI filename, driver arguments) are what SQLAlchemy's connect knows of.
    url = engine.url
    path = url.database
    if url.get_backend_name() != "sqlite" or url.query or not path or path.startswith(":"):
        return None
    return SqliteDeliveries(path)
