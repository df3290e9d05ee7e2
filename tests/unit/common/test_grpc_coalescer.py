"""The coalescer: concurrent calls leave in one batch, each keeping its own call's contract."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import grpc
import pytest

from shop.common.context import set_request_id
from shop.common.grpc_batch import Outcome, rpc_error
from shop.common.grpc_coalescer import Coalescer


class Peer:
    """A batch method that echoes each request (or the status a request names), held
    until `gate` is set, and a unary one for a peer without it."""

    def __init__(self, *, batch_error: grpc.StatusCode | None = None) -> None:
        self.batches: list[list[str]] = []
        self.request_ids: list[list[str]] = []
        self.timeouts: list[float | None] = []
        self.alone: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.batch_error = batch_error

    async def send_batch(
        self, requests: list[str], request_ids: list[str], seconds_left: float | None
    ) -> Sequence[Outcome[str]]:
        self.batches.append(requests)
        self.request_ids.append(request_ids)
        self.timeouts.append(seconds_left)
        await self.gate.wait()
        if self.batch_error is not None:
            raise rpc_error(self.batch_error, "batch failed")
        return [
            Outcome(None, grpc.StatusCode.FAILED_PRECONDITION, f"{r} refused")
            if r.startswith("bad")
            else Outcome(f"{r}!")
            for r in requests
        ]

    async def send_one(self, request: str, *, timeout: float | None = None) -> str:
        self.alone.append(request)
        return f"{request} alone"


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_lone_call_leaves_at_once_in_a_batch_of_one() -> None:
    peer = Peer()
    coalescer: Coalescer[str, str] = Coalescer(peer.send_batch, peer.send_one)
    assert await coalescer("a", timeout=5) == "a!"
    assert peer.batches == [["a"]]


async def test_calls_that_arrive_while_the_slots_are_busy_leave_together() -> None:
    peer = Peer()
    peer.gate.clear()
    coalescer: Coalescer[str, str] = Coalescer(peer.send_batch, peer.send_one, max_in_flight=1)
    first = asyncio.ensure_future(coalescer("a", timeout=5))
    await settle()
    rest = [asyncio.ensure_future(coalescer(r, timeout=5)) for r in ("b", "c", "d")]
    await settle()
    assert peer.batches == [["a"]]  # the others wait for the slot
    peer.gate.set()
    assert await first == "a!"
    assert await asyncio.gather(*rest) == ["b!", "c!", "d!"]
    assert peer.batches == [["a"], ["b", "c", "d"]]


async def test_a_batch_is_no_larger_than_max_batch() -> None:
    peer = Peer()
    peer.gate.clear()
    coalescer: Coalescer[str, str] = Coalescer(
        peer.send_batch, peer.send_one, max_batch=2, max_in_flight=1
    )
    calls = [asyncio.ensure_future(coalescer(str(i), timeout=5)) for i in range(5)]
    await settle()
    peer.gate.set()
    assert await asyncio.gather(*calls) == ["0!", "1!", "2!", "3!", "4!"]
    assert peer.batches == [["0"], ["1", "2"], ["3", "4"]]


async def test_each_item_ends_with_its_own_status() -> None:
    peer = Peer()
    peer.gate.clear()
    coalescer: Coalescer[str, str] = Coalescer(peer.send_batch, peer.send_one, max_in_flight=1)
    calls = [asyncio.ensure_future(coalescer(r, timeout=5)) for r in ("a", "bad", "c")]
    await settle()
    peer.gate.set()
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert results[0] == "a!" and results[2] == "c!"
    refused = results[1]
    assert isinstance(refused, grpc.aio.AioRpcError)
    assert (refused.code(), refused.details()) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "bad refused",
    )


async def test_a_failed_batch_call_fails_each_item_with_its_status() -> None:
    peer = Peer(batch_error=grpc.StatusCode.UNAVAILABLE)
    coalescer: Coalescer[str, str] = Coalescer(peer.send_batch, peer.send_one)
    results = await asyncio.gather(*(coalescer(r, timeout=5) for r in "ab"), return_exceptions=True)
    assert all(isinstance(r, grpc.aio.AioRpcError) for r in results)
    assert {r.code() for r in results if isinstance(r, grpc.aio.AioRpcError)} == {
        grpc.StatusCode.UNAVAILABLE
    }
    # Each caller has an error of its own, so one's traceback is not another's.
    assert results[0] is not results[1]


async def test_a_peer_without_the_batch_method_is_called_one_by_one_for_a_while() -> None:
    peer = Peer(batch_error=grpc.StatusCode.UNIMPLEMENTED)
    coalescer: Coalescer[str, str] = Coalescer(peer.send_batch, peer.send_one)
    both = await asyncio.gather(coalescer("a", timeout=5), coalescer("b", timeout=5))
    assert list(both) == ["a alone", "b alone"]
    assert await coalescer("c", timeout=5) == "c alone"
    # "c" came after the peer's answer: within the window it was not offered as a batch.
    assert peer.batches == [["a"], ["b"]]
    assert peer.alone == ["a", "b", "c"]


async def test_a_caller_cancelled_before_its_batch_leaves_is_not_sent() -> None:
    peer = Peer()
    peer.gate.clear()
    coalescer: Coalescer[str, str] = Coalescer(peer.send_batch, peer.send_one, max_in_flight=1)
    first = asyncio.ensure_future(coalescer("a", timeout=5))
    await settle()
    gone = asyncio.ensure_future(coalescer("gone", timeout=5))
    kept = asyncio.ensure_future(coalescer("kept", timeout=5))
    await settle()
    gone.cancel()
    await settle()
    peer.gate.set()
    assert [await first, await kept] == ["a!", "kept!"]
    assert peer.batches == [["a"], ["kept"]]


async def test_an_item_past_its_deadline_is_not_sent_and_the_batch_has_the_least_time_left() -> (
    None
):
    peer = Peer()
    peer.gate.clear()
    coalescer: Coalescer[str, str] = Coalescer(peer.send_batch, peer.send_one, max_in_flight=1)
    first = asyncio.ensure_future(coalescer("a", timeout=5))
    await settle()
    late = asyncio.ensure_future(coalescer("late", timeout=0.01))
    soon = asyncio.ensure_future(coalescer("soon", timeout=2))
    later = asyncio.ensure_future(coalescer("later", timeout=9))
    await asyncio.sleep(0.05)
    peer.gate.set()
    await first
    with pytest.raises(grpc.aio.AioRpcError) as expired:
        await late
    assert expired.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert (await soon, await later) == ("soon!", "later!")
    assert peer.batches[1] == ["soon", "later"]
    left = peer.timeouts[1]
    assert left is not None and 1.5 < left < 2


async def test_an_answer_with_the_wrong_number_of_items_fails_them_all() -> None:
    gate = asyncio.Event()

    async def one_answer(requests: list[str], _: list[str], __: float | None) -> list[Outcome[str]]:
        await gate.wait()
        return [Outcome("only one")]

    coalescer: Coalescer[str, str] = Coalescer(one_answer, Peer().send_one, max_in_flight=1)
    first = asyncio.ensure_future(coalescer("a", timeout=5))
    await settle()
    pair = [asyncio.ensure_future(coalescer(r, timeout=5)) for r in "bc"]
    await settle()
    gate.set()
    assert await first == "only one"
    results = await asyncio.gather(*pair, return_exceptions=True)
    assert [r.code() for r in results if isinstance(r, grpc.aio.AioRpcError)] == [
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.INTERNAL,
    ]


async def test_each_item_carries_its_callers_request_id() -> None:
    peer = Peer()
    peer.gate.clear()
    coalescer: Coalescer[str, str] = Coalescer(peer.send_batch, peer.send_one, max_in_flight=1)

    async def call(request: str, request_id: str) -> Any:
        set_request_id(request_id)
        return await coalescer(request, timeout=5)

    first = asyncio.ensure_future(call("a", "rid-a"))
    await settle()
    rest = [asyncio.ensure_future(call(r, f"rid-{r}")) for r in "bc"]
    await settle()
    peer.gate.set()
    await asyncio.gather(first, *rest)
    assert peer.request_ids == [["rid-a"], ["rid-b", "rid-c"]]
