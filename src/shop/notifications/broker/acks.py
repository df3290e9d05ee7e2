"""The acks of one channel's deliveries, sent together: one basic.ack with multiple=True for
the deliveries of a burst handled in one turn of the loop, in one socket write.

aiormq's `basic_ack` queues each ack as a frame of its own, and its connection's writer
sends each with a `send()` of its own: on loopback that system call (the broker is woken
inside it) was about a quarter of the worker's CPU per event.

RabbitMQ's multiple ack settles every unacked delivery of the channel up to the tag it
names, and closes the channel (PRECONDITION_FAILED, unknown delivery tag) when that tag is
not outstanding. So this keeps the channel's outstanding deliveries as the broker keeps
them: each is registered as it arrives and forgotten as its ack is sent. A multiple ack
names the newest of a run that starts at the oldest outstanding delivery and holds only
deliveries ready to be acked; one still being handled, or being moved to a retry or the
dead-letter queue, ends the run, and the ready ones behind it are acked one by one (so one
slow message holds up no one's prefetch slot). A delivery never marked ready (a failed move
leaves it for the broker to deliver again on a new channel) is never covered.
"""

from __future__ import annotations

import asyncio

import aiormq
from aiormq.abc import ChannelFrame

from shop.common.amqp_frames import ack_frame


class ChannelAcks:
    """Acks for the deliveries of one consuming channel, sent by `run` in delivery order."""

    def __init__(self, channel: aiormq.Channel) -> None:
        self._channel = channel
        # Tag -> ready to ack, in delivery order (the broker's tags go 1, 2, 3, ...).
        self._outstanding: dict[int, bool] = {}
        self._last_tag = 0
        # Set once a tag arrives out of sequence: some delivery was not registered, so a
        # multiple ack could cover it. From then on every ack names its own tag only.
        self._singles_only = False
        self._wake = asyncio.Event()

    def received(self, tag: int) -> None:
        """A delivery arrived: registered before any other delivery's ack can be sent."""
        if tag != self._last_tag + 1:
            self._singles_only = True
        self._last_tag = max(self._last_tag, tag)
        self._outstanding[tag] = False

    def ready(self, tag: int) -> None:
        """The delivery is handled (or its copy is safely in another queue): ack it soon."""
        if tag in self._outstanding:
            self._outstanding[tag] = True
            # `run` wakes after the callbacks already due, such as the other deliveries
            # of the same burst: their acks go in the same write.
            self._wake.set()

    @property
    def unacked(self) -> int:
        return len(self._outstanding)

    def take_frames(self) -> bytes:
        """The ack frames for every delivery ready now, forgotten as they are taken."""
        run: list[int] = []  # from the oldest outstanding, all ready: one multiple ack
        singles: list[int] = []  # ready behind one that is not: an ack each
        in_run = not self._singles_only
        for tag, ready in self._outstanding.items():
            if not ready:
                in_run = False
            elif in_run:
                run.append(tag)
            else:
                singles.append(tag)
        number = self._channel.number
        frames = [ack_frame(number, run[-1], multiple=len(run) > 1)] if run else []
        frames += [ack_frame(number, tag, multiple=False) for tag in singles]
        for tag in run + singles:
            del self._outstanding[tag]
        return b"".join(frames)

    async def run(self) -> None:
        """Sends the acks as deliveries become ready, until cancelled or the channel closes
        (its unacked deliveries then go back to the queue, for a new channel)."""
        while not self._channel.is_closed:
            await self._wake.wait()
            self._wake.clear()
            payload = self.take_frames()
            if payload and not self._channel.is_closed:
                # The connection's writer, in order with every other frame of the channel.
                await self._channel.write_queue.put(
                    ChannelFrame(payload=payload, should_close=False)
                )
