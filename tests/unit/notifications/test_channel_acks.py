"""ChannelAcks: a burst's acks go as one multiple ack, and no ack ever names or covers a
delivery that is not ready (RabbitMQ would close the channel, or a message could be lost)."""

from __future__ import annotations

import asyncio
import struct
from typing import cast

import aiormq

from shop.notifications.broker.acks import ChannelAcks


class FakeChannel:
    number = 3
    is_closed = False

    def __init__(self) -> None:
        self.write_queue: asyncio.Queue[object] = asyncio.Queue()


def _acks() -> ChannelAcks:
    return ChannelAcks(cast(aiormq.Channel, FakeChannel()))


def _decoded(payload: bytes) -> list[tuple[int, bool]]:
    """(delivery tag, multiple) of each basic.ack frame in a payload."""
    frames = []
    for start in range(0, len(payload), 21):
        kind, channel, size, cls, method, tag, multiple = struct.unpack(
            ">BHIHHQB", payload[start : start + 20]
        )
        assert (kind, channel, size, cls, method, payload[start + 20]) == (1, 3, 13, 60, 80, 0xCE)
        frames.append((tag, bool(multiple)))
    return frames


def _arrived(acks: ChannelAcks, tags: range) -> None:
    for tag in tags:
        acks.received(tag)


def test_a_handled_burst_is_one_multiple_ack() -> None:
    acks = _acks()
    _arrived(acks, range(1, 9))
    for tag in range(1, 9):
        acks.ready(tag)
    assert _decoded(acks.take_frames()) == [(8, True)]
    assert acks.unacked == 0
    assert acks.take_frames() == b""


def test_one_delivery_is_acked_alone() -> None:
    acks = _acks()
    _arrived(acks, range(1, 3))
    acks.ready(2)
    assert _decoded(acks.take_frames()) == [(2, False)]
    acks.ready(1)
    assert _decoded(acks.take_frames()) == [(1, False)]


def test_a_delivery_not_ready_in_the_middle_is_never_covered() -> None:
    # Tag 4 is a poison message still being moved to the DLQ (or left unacked by a failed
    # move): the run stops before it and the ones behind it are acked one by one.
    acks = _acks()
    _arrived(acks, range(1, 9))
    for tag in (1, 2, 3, 5, 6, 7, 8):
        acks.ready(tag)
    singles = [(tag, False) for tag in (5, 6, 7, 8)]
    assert _decoded(acks.take_frames()) == [(3, True), *singles]
    assert acks.unacked == 1
    acks.ready(4)
    assert _decoded(acks.take_frames()) == [(4, False)]


def test_every_tag_is_acked_exactly_once_whatever_the_order() -> None:
    acks = _acks()
    _arrived(acks, range(1, 21))
    acked: list[int] = []
    ready: set[int] = set()
    for tag in [3, 1, 2, 7, 4, 5, 6, 20, 8, 9, 10, 19, 11, 12, 13, 14, 15, 16, 17, 18]:
        acks.ready(tag)
        ready.add(tag)
        for named, multiple in _decoded(acks.take_frames()):
            # What the broker does: the tag named must be outstanding, and a multiple ack
            # settles every outstanding tag below it too; all of them must be ready.
            assert named not in acked
            settled = [t for t in range(1, named + 1) if t not in acked] if multiple else [named]
            assert set(settled) <= ready
            acked += settled
    assert sorted(acked) == list(range(1, 21))


def test_a_gap_in_the_tags_stops_multiple_acks() -> None:
    # A delivery that was never registered (tag 2) must not be acked by a multiple ack.
    acks = _acks()
    for tag in (1, 3, 4):
        acks.received(tag)
        acks.ready(tag)
    assert _decoded(acks.take_frames()) == [(1, False), (3, False), (4, False)]


def test_an_unknown_tag_is_never_acked() -> None:
    acks = _acks()
    acks.received(1)
    acks.ready(5)
    assert acks.take_frames() == b""


async def test_run_writes_the_ready_acks_in_one_frame_after_the_burst_is_handled() -> None:
    channel = FakeChannel()
    acks = ChannelAcks(cast(aiormq.Channel, channel))
    sending = asyncio.create_task(acks.run())
    _arrived(acks, range(1, 5))

    async def handled(tag: int) -> None:
        acks.ready(tag)

    await asyncio.gather(*(handled(tag) for tag in range(1, 5)))
    frame = await asyncio.wait_for(channel.write_queue.get(), 1)
    assert _decoded(frame.payload) == [(4, True)]  # type: ignore[attr-defined]
    assert channel.write_queue.empty()
    sending.cancel()
