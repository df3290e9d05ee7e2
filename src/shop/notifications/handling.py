"""Handling one event: the worker's single use case, from a message body to a mail."""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections.abc import AsyncIterator
from datetime import timedelta

from shop.common.context import set_request_id
from shop.common.ids import new_id
from shop.common.logging import get_logger
from shop.common.tracing import consuming
from shop.notifications.events import IncomingEvent, parse_event
from shop.notifications.mail.compose import compose
from shop.notifications.mail.transports import Transport
from shop.notifications.mail.views import view_for
from shop.notifications.store import Claim, DeliveryStore

log = get_logger("shop.notifications")


class Outcome(enum.Enum):
    SENT = "sent"
    DUPLICATE = "duplicate"


class EventHandler:
    """Turns an event into at most one accepted mail, however often the event arrives."""

    def __init__(
        self,
        *,
        deliveries: DeliveryStore,
        transport: Transport,
        sender: str,
        alert_recipient: str | None,
        claim_lease: timedelta = timedelta(seconds=30),
    ) -> None:
        self.deliveries = deliveries
        self.transport = transport
        self._sender = sender
        self._alert_recipient = alert_recipient
        self._lease = claim_lease
        self._worker_id = new_id()
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    async def handle(self, body: bytes) -> tuple[IncomingEvent, Outcome]:
        """Mails the event in `body` unless already mailed.

        Raises PermanentFailure (never worth retrying) or any other exception (retried).
        """
        event = parse_event(body)
        set_request_id(event.request_id)
        traced = {
            "id": event.id,
            "type": event.type,
            "requestid": event.request_id,
            "traceparent": event.traceparent,
        }
        with consuming(traced):
            async with self._one_at_a_time(event.id):
                outcome = await self._deliver(event)
        log.info(f"notification_{outcome.value}", event_id=event.id, event_type=event.type)
        return event, outcome

    async def _deliver(self, event: IncomingEvent) -> Outcome:
        # No "sent already?" look-up first: the claim below answers that too, and the extra
        # transaction cost every mail for the sake of a rare duplicate.
        view = view_for(event, alert_recipient=self._alert_recipient)
        mail = compose(event, view, sender=self._sender)
        claim = await self.deliveries.claim(
            event,
            recipient=view.recipient,
            subject=mail.subject,
            worker_id=self._worker_id,
            lease=self._lease,
        )
        if claim is Claim.ALREADY_SENT:
            return Outcome.DUPLICATE
        # Deliver, then record: a crash in between repeats this mail (same Message-ID)
        # on redelivery; recording first could lose it.
        await self.transport.send(mail, event_id=event.id)
        await self.deliveries.mark_sent(event.id)
        return Outcome.SENT

    @contextlib.asynccontextmanager
    async def _one_at_a_time(self, event_id: str) -> AsyncIterator[None]:
        # Two copies of one event in one prefetch window wait for each other here; the
        # claim in the table does the same across worker processes.
        lock = self._locks.setdefault(event_id, asyncio.Lock())
        self._users[event_id] = self._users.get(event_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[event_id] -= 1
            if not self._users[event_id]:
                del self._users[event_id], self._locks[event_id]
