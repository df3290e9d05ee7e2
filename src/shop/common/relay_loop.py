"""The loop every outbox relay runs; each store supplies only how it claims and marks rows.

Per round: claim a batch, publish it with pipelined confirms, mark sent what was confirmed.
Now and then: export the backlog gauges and prune sent rows past the retention period.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol

from shop.common.logging import get_logger
from shop.common.metrics import OUTBOX_OLDEST_AGE, OUTBOX_PENDING, OUTBOX_PUBLISH_FAILURES
from shop.common.outbox import utcnow
from shop.common.publisher import EventPublisher, OutgoingEvent, PublishIncomplete
from shop.common.repeated_warning import RepeatedWarning

log = get_logger("shop.outbox")
PRUNE_BATCH = 1000
# One housekeeping round deletes at most this many batches, so it never stalls publishing.
PRUNE_BATCHES_PER_ROUND = 10
# Woken by a commit, the relay waits this long before claiming, so that under load a round
# carries the events of many commits: each round costs a claim, a mark and a commit however
# few events it holds, and at one commit per wake-up those cost more CPU than the events.
GATHER_SECONDS = 0.02


class ClaimedBatch(Protocol):
    events: Sequence[OutgoingEvent]

    async def mark_sent(self, keys: Sequence[Any]) -> None: ...


class OutboxSource(Protocol):
    def claim(self, limit: int) -> AbstractAsyncContextManager[ClaimedBatch]:
        """The oldest unpublished events no other relay holds, held until the block ends."""
        ...

    async def backlog(self) -> tuple[int, datetime | None]:
        """How many events are unpublished, and when the oldest was written."""
        ...

    async def prune(self, *, sent_before: datetime, limit: int) -> int:
        """Deletes up to `limit` events published before the cutoff; returns how many."""
        ...


class RelayLoop:
    def __init__(
        self,
        *,
        source: OutboxSource,
        publisher: EventPublisher,
        service: str,
        wake: asyncio.Event,
        poll_seconds: float = 0.5,
        batch_size: int = 100,
        max_backoff_seconds: float = 10.0,
        retention_hours: float = 24.0,
        housekeeping_seconds: float = 60.0,
        stats_seconds: float = 5.0,
    ) -> None:
        self._source = source
        self._publisher = publisher
        self._service = service
        self._wake = wake
        self._poll = poll_seconds
        self._batch = batch_size
        self._max_backoff = max_backoff_seconds
        self._retention = timedelta(hours=retention_hours)
        self._housekeeping = housekeeping_seconds
        self._stats = stats_seconds
        # A broker that is down fails every retry; say it once, not every few seconds.
        self._broker_down = RepeatedWarning(
            log,
            "broker_unreachable",
            back_event="broker_back",
            hint="events wait in the outbox and go out once the broker is back",
        )
        self._publish_failing = RepeatedWarning(
            log, "outbox_publish_failed", back_event="outbox_publishing_again"
        )

    async def run(self) -> None:
        """Runs until cancelled (closing its connection then); outages only delay events."""
        try:
            await self._run()
        finally:
            await self._publisher.close()

    async def _run(self) -> None:
        backoff = 0.2
        next_stats = next_prune = time.monotonic()
        while True:
            try:
                published = await self.drain_once()
                backoff = 0.2
                self._broker_down.recovered()
                self._publish_failing.recovered()
                now = time.monotonic()
                if now >= next_stats:
                    await self.refresh_backlog()
                    next_stats = now + self._stats
                if now >= next_prune:
                    await self.prune_sent()
                    next_prune = now + self._housekeeping
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                OUTBOX_PUBLISH_FAILURES.labels(self._service).inc()
                failing = self._broker_down if _unreachable(exc) else self._publish_failing
                failing.failed(error=type(exc).__name__)
                await self._publisher.close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            if published < self._batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
                    await asyncio.sleep(GATHER_SECONDS)
                self._wake.clear()

    async def drain_once(self) -> int:
        """Publishes one batch of unpublished events; returns how many were confirmed."""
        async with self._source.claim(self._batch) as batch:
            if not batch.events:
                return 0
            confirmed = await self._publisher.publish(batch.events)
            if confirmed:
                await batch.mark_sent([event.key for event in confirmed])
        if len(confirmed) < len(batch.events):
            raise PublishIncomplete(f"{len(batch.events) - len(confirmed)} not confirmed")
        return len(confirmed)

    async def refresh_backlog(self) -> None:
        pending, oldest = await self._source.backlog()
        OUTBOX_PENDING.labels(self._service).set(pending)
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        OUTBOX_OLDEST_AGE.labels(self._service).set(max(age, 0.0))

    async def prune_sent(self) -> int:
        """Deletes sent events older than the retention period, in bounded batches."""
        cutoff = utcnow() - self._retention
        deleted = 0
        for _ in range(PRUNE_BATCHES_PER_ROUND):
            count = await self._source.prune(sent_before=cutoff, limit=PRUNE_BATCH)
            deleted += count
            if count < PRUNE_BATCH:
                break
        if deleted:
            log.info("outbox_pruned", deleted=deleted, service=self._service)
        return deleted

    async def close(self) -> None:
        await self._publisher.close()


def _unreachable(exc: BaseException) -> bool:
    """The broker cannot be reached (refused, timed out, DNS), as opposed to other failures."""
    return isinstance(exc, OSError | TimeoutError)  # aio-pika's connection errors are OSErrors
