"""Where a message goes when handling it raised: a retry queue, or the dead-letter queue.

Nothing is requeued in a loop: a transient failure waits in a delay queue, a permanent one
(or one out of attempts) is dead-lettered with its reason.
"""

from __future__ import annotations

from collections.abc import Awaitable

from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from shop.common.logging import get_logger
from shop.notifications.broker.topology import Queues, attempts_of, move, retry_delay
from shop.notifications.events import parse_event
from shop.notifications.failures import PermanentFailure, classify
from shop.notifications.metrics import NOTIFICATIONS

log = get_logger("shop.notifications")


async def route_failure(
    channel: AbstractChannel,
    message: AbstractIncomingMessage,
    exc: Exception,
    *,
    queues: Queues,
    retry_base_seconds: float,
) -> bool:
    """Moves the message on; True once its copy is in the other queue (the caller then acks
    it), False when the move failed (the caller must leave it unacked and start a new
    broker session, so the broker delivers it again)."""
    attempt = attempts_of(message) + 1
    failure = classify(exc)
    kind = _type_label(message.body)
    if isinstance(failure, PermanentFailure) or attempt >= queues.max_attempts:
        reason = str(failure)
        if not isinstance(failure, PermanentFailure):
            reason = f"gave up after {attempt} attempts: {failure}"
        log.error("notification_dead_lettered", event_type=kind, attempts=attempt, reason=reason)
        moving = move(channel, message, to=queues.dlq, attempts=attempt, error=reason)
        moved = await _moved(moving, to=queues.dlq)
        if moved:
            NOTIFICATIONS.labels(kind, "dead_lettered").inc()
        return moved
    delay = retry_delay(attempt, retry_base_seconds)
    log.warning(
        "notification_retry",
        event_type=kind,
        message_id=message.message_id,
        attempt=attempt,
        retry_in=round(delay, 2),
        reason=str(failure),
    )
    to = queues.retry(attempt)
    moving = move(channel, message, to=to, attempts=attempt, delay_seconds=delay)
    moved = await _moved(moving, to=to)
    if moved:
        NOTIFICATIONS.labels(kind, "retried").inc()
    return moved


async def _moved(moving: Awaitable[None], *, to: str) -> bool:
    """True once the copy is in `to` (confirmed); False when the move failed."""
    try:
        await moving
        return True
    except Exception as exc:
        # To be left unacked: the reconnect that follows redeclares the queues and the
        # broker delivers the message again.
        log.error("notification_move_failed", to=to, error=type(exc).__name__)
        return False


def _type_label(body: bytes) -> str:
    # Metric labels stay bounded: a known type, or "invalid".
    try:
        return parse_event(body).type
    except PermanentFailure:
        return "invalid"
