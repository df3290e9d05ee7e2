"""Messages published on an aiormq channel in one socket write, each with its own confirm.

aiormq's `basic_publish` queues every message as its own write, and its connection's writer
sends each with its own `send()`: on loopback that system call (the broker is woken inside
it) cost more CPU than framing the message. Here a batch is framed into one write, and
each message's confirm is registered as `basic_publish` registers it (under the channel's
lock: the next delivery tag, a future for the broker's ack, the message id that a
basic.return names), so aiormq's reader settles them as it settles its own. The frames are
encoded by common.amqp_frames, not pamqp (the same bytes, a fraction of the CPU).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import aiormq
from aiormq.abc import ChannelFrame

from shop.common.amqp_frames import publish_frames


@dataclass(frozen=True, slots=True)
class Outgoing:
    routing_key: str
    message_id: str  # the properties' own: a basic.return names its message by it
    body: bytes
    properties: bytes  # encoded by amqp_frames.message_properties


async def publish_confirmed(
    channel: aiormq.Channel,
    messages: Sequence[Outgoing],
    *,
    exchange: str,
    mandatory: bool,
    confirm_seconds: float,
) -> list[BaseException | None]:
    """Per message, None once the broker confirmed it (or returned it, as aiormq's publish
    answers then), else why not: a nack, the channel closed, or no answer within
    `confirm_seconds`. The channel must be in confirm mode."""
    confirmations: list[asyncio.Future[object]] = []
    frames: list[bytes] = []
    async with channel.lock:
        first_tag = channel.delivery_tag
        try:
            for message in messages:
                channel.delivery_tag += 1
                confirmation = channel.create_future()
                channel.confirmations[channel.delivery_tag] = confirmation
                channel.message_id_delivery_tag[message.message_id] = channel.delivery_tag
                confirmations.append(confirmation)
                frames += publish_frames(
                    channel.number,
                    exchange=exchange,
                    routing_key=message.routing_key,
                    mandatory=mandatory,
                    properties=message.properties,
                    body=message.body,
                    max_content_size=channel.max_content_size,
                )
            batch = ChannelFrame(payload=b"".join(frames), should_close=False)
            await channel.write_queue.put(batch)
        except BaseException:
            # Nothing reached the broker: its delivery tags are free again.
            for tag in range(first_tag + 1, channel.delivery_tag + 1):
                channel.confirmations.pop(tag, None)
            _forget_ids(channel, messages, first_tag)
            channel.delivery_tag = first_tag
            for confirmation in confirmations:
                confirmation.cancel()
            raise
    try:
        await asyncio.wait(confirmations, timeout=confirm_seconds)
    finally:
        _forget_ids(channel, messages, first_tag)
    return [_outcome(confirmation) for confirmation in confirmations]


def _forget_ids(channel: aiormq.Channel, messages: Sequence[Outgoing], first_tag: int) -> None:
    # As basic_publish does once its message is settled; the delivery tags stay: aiormq's
    # reader drops each when its ack comes (a returned message's ack comes after it).
    for tag, message in enumerate(messages, start=first_tag + 1):
        if channel.message_id_delivery_tag.get(message.message_id) == tag:
            del channel.message_id_delivery_tag[message.message_id]


def _outcome(confirmation: asyncio.Future[object]) -> BaseException | None:
    if not confirmation.done():
        # Left for aiormq's reader, which ignores the ack of a cancelled confirmation.
        confirmation.cancel()
        return TimeoutError("no publisher confirm in time")
    if confirmation.cancelled():
        return asyncio.CancelledError("the channel closed before the broker confirmed")
    return confirmation.exception()
