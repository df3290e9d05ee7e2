"""Many unary gRPC calls in one: each item's outcome, and the server's item-by-item answer.

Why: a unary grpc.aio call costs each side 200-500 us of CPU (a new HTTP/2 stream, its
metadata, a call object and several loop wake-ups), more than a ValidateUser look-up or a
reservation's own statements. Under load the order service has 10 to 30 such calls waiting
at once; sent as one batch call (`grpc_coalescer`) they pay that cost once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, NamedTuple, TypeVar

import grpc

from shop.common.context import accept_request_id, set_request_id
from shop.common.grpc_server import MethodRecord
from shop.common.grpc_status import failure_status

Req = TypeVar("Req")
Resp = TypeVar("Resp")

_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}
OK = grpc.StatusCode.OK


class Outcome(NamedTuple, Generic[Resp]):
    """One item's end: the response when code is OK, else the call's details."""

    response: Resp | None
    code: grpc.StatusCode = OK
    details: str = ""


def status_code(number: int) -> grpc.StatusCode:
    """A status code from its wire number; an unknown number is UNKNOWN, as grpc reads it."""
    return _BY_NUMBER.get(number, grpc.StatusCode.UNKNOWN)


def status_number(code: grpc.StatusCode) -> int:
    number: int = code.value[0]
    return number


def rpc_error(code: grpc.StatusCode, details: str) -> grpc.aio.AioRpcError:
    """What the item's own unary call would have raised."""
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details=details)


async def answer_each(
    requests: Sequence[Req],
    request_ids: Sequence[str],
    handle: Callable[[Req], Awaitable[Resp]],
    *,
    record: MethodRecord,
) -> list[Outcome[Resp]]:
    """Each item handled as its own call would be, concurrently, and counted and logged as
    that call (`record`, the unary method's); what it raises becomes its status as a call's
    does (`failure_status`)."""

    async def one(request: Req, request_id: str) -> Outcome[Resp]:
        # Each item runs in its own task (gather), so its request id stays its own.
        if request_id:
            set_request_id(accept_request_id(request_id))
        started = time.perf_counter()
        outcome = await _handled(request)
        record.record(outcome.code.name, started)
        return outcome

    async def _handled(request: Req) -> Outcome[Resp]:
        try:
            return Outcome(await handle(request))
        except Exception as exc:
            return Outcome(None, *failure_status(exc, record.name))

    ids = list(request_ids) + [""] * (len(requests) - len(request_ids))
    return list(await asyncio.gather(*(one(r, i) for r, i in zip(requests, ids, strict=False))))
