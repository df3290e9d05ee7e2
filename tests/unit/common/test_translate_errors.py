"""The servicer decorator: AppError -> its status, and every call counted by its code."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from shop.common.errors import NotFound
from shop.common.grpc_server import translate_errors


class Aborted(Exception):
    pass


class FakeContext:
    """Records the status a call is aborted with, raising as grpc.aio's abort does."""

    def __init__(self) -> None:
        self.aborted: tuple[grpc.StatusCode, str] | None = None

    async def abort(self, code: grpc.StatusCode, details: str) -> None:
        self.aborted = (code, details)
        raise Aborted()


class Servicer:
    @translate_errors("unit")
    async def Answer(self, request: str, context: Any) -> str:
        if request == "missing":
            raise NotFound("Thing not found")
        return request.upper()


def calls(code: str) -> float:
    labels = {"service": "unit", "method": "Answer", "code": code}
    return REGISTRY.get_sample_value("grpc_requests_total", labels) or 0.0


def timed() -> float:
    labels = {"service": "unit", "method": "Answer"}
    return REGISTRY.get_sample_value("grpc_request_duration_seconds_count", labels) or 0.0


async def test_each_call_is_counted_by_its_code_and_timed() -> None:
    ok, not_found, observed = calls("OK"), calls("NOT_FOUND"), timed()
    servicer = Servicer()
    assert await servicer.Answer("hi", FakeContext()) == "HI"
    assert await servicer.Answer("again", FakeContext()) == "AGAIN"
    context = FakeContext()
    with pytest.raises(Aborted):
        await servicer.Answer("missing", context)
    assert context.aborted == (grpc.StatusCode.NOT_FOUND, "Thing not found")
    assert (calls("OK") - ok, calls("NOT_FOUND") - not_found, timed() - observed) == (2, 1, 3)


async def test_each_call_logs_one_line_with_its_method_code_and_duration() -> None:
    with capture_logs() as lines:
        await Servicer().Answer("hi", FakeContext())
    [line] = [line for line in lines if line["event"] == "rpc"]
    assert (line["method"], line["code"], line["log_level"]) == ("Answer", "OK", "info")
    assert line["duration_ms"] >= 0
