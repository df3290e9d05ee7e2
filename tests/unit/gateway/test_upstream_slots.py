"""The forwarding pool's slot line and its single deadline timer."""

from __future__ import annotations

import asyncio

import pytest

from shop.gateway.upstream_slots import Deadlines, Slots


async def test_a_free_slot_is_taken_at_once_and_the_line_is_served_in_order() -> None:
    slots = Slots(1)
    assert slots.take_now()
    assert not slots.take_now()
    loop = asyncio.get_running_loop()
    order: list[str] = []

    async def wait(name: str) -> None:
        await slots.take(loop.time() + 5)
        order.append(name)

    first, second = asyncio.create_task(wait("first")), asyncio.create_task(wait("second"))
    await asyncio.sleep(0)
    slots.give_back()
    await first
    assert order == ["first"] and not second.done()
    slots.give_back()
    await second
    slots.give_back()
    assert slots.take_now()  # every slot came back


async def test_waiting_past_the_deadline_times_out_and_loses_no_slot() -> None:
    slots = Slots(1)
    assert slots.take_now()
    loop = asyncio.get_running_loop()
    with pytest.raises(TimeoutError):
        await slots.take(loop.time() + 0.05)
    slots.give_back()  # the holder is done: its slot goes to nobody gone, but back
    assert slots.take_now()


class _Conn:
    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline
        self.expired = False

    def expire(self) -> None:
        self.expired = True
        self.deadline = None


async def test_one_timer_expires_the_late_answers_and_rearms_for_the_next() -> None:
    loop = asyncio.get_running_loop()
    now = loop.time()
    soon, later, idle = _Conn(now + 0.05), _Conn(now + 0.15), _Conn(None)
    deadlines = Deadlines([soon, later, idle])
    deadlines.watch(later.deadline or 0)
    deadlines.watch(soon.deadline or 0)  # an earlier deadline re-arms the timer
    await asyncio.sleep(0.1)
    assert soon.expired and not later.expired and not idle.expired
    await asyncio.sleep(0.1)
    assert later.expired and not idle.expired
    deadlines.close()
