"""A recurring warning is said once, summarised, and its end is said."""

from __future__ import annotations

from structlog.testing import capture_logs

from shop.common.logging import get_logger
from shop.common.repeated_warning import RepeatedWarning


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _warning(clock: Clock) -> RepeatedWarning:
    return RepeatedWarning(
        get_logger("test"),
        "broker_unreachable",
        back_event="broker_back",
        hint="events wait in the outbox",
        summary_seconds=60,
        clock=clock,
    )


def test_said_once_then_summarised_then_back() -> None:
    clock = Clock()
    warning = _warning(clock)
    with capture_logs() as logs:
        for _ in range(10):  # every 2 s for 20 s: one line
            warning.failed(error="ConnectionRefusedError")
            clock.now += 2
        assert [entry["event"] for entry in logs] == ["broker_unreachable"]
        assert logs[0]["hint"] == "events wait in the outbox"
        for _ in range(25):  # past the 60 s mark: one summary of what went unsaid
            warning.failed(error="ConnectionRefusedError")
            clock.now += 2
        warning.recovered()
        warning.recovered()
    events = [entry["event"] for entry in logs]
    assert events == ["broker_unreachable", "broker_unreachable", "broker_back"]
    summary = logs[1]
    assert summary["still"] is True
    assert summary["for_seconds"] == 60
    assert summary["failures"] == 30
    assert "hint" not in summary
    assert logs[2]["failures"] == 35
    assert logs[2]["log_level"] == "info"


def test_success_without_outage_says_nothing_and_a_new_outage_is_said_again() -> None:
    clock = Clock()
    warning = _warning(clock)
    with capture_logs() as logs:
        warning.recovered()
        warning.failed()
        warning.recovered()
        warning.failed()
    assert [entry["event"] for entry in logs] == [
        "broker_unreachable",
        "broker_back",
        "broker_unreachable",
    ]
    assert warning.active
