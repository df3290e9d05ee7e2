"""The in-memory fixed windows: a window's budget, its end, and forgetting ended windows."""

from __future__ import annotations

from limits import parse

from shop.gateway.fixed_windows import FixedWindows


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_a_window_refuses_past_its_budget_until_it_ends() -> None:
    clock = _Clock()
    windows = FixedWindows(parse("2/minute"), clock=clock)
    assert windows.hit(("ip", "a")) is None
    clock.now += 30
    assert windows.hit(("ip", "a")) is None
    assert windows.hit(("ip", "a")) == 1_060.0  # opened at the first hit, lasts a minute
    assert windows.hit(("ip", "b")) is None  # every key has its own budget
    clock.now = 1_060.0
    assert windows.hit(("ip", "a")) is None


def test_refused_hits_count_too() -> None:
    clock = _Clock()
    windows = FixedWindows(parse("1/second"), clock=clock)
    assert [windows.hit(("ip", "a")) for _ in range(3)] == [None, 1_001.0, 1_001.0]


def test_ended_windows_are_forgotten() -> None:
    clock = _Clock()
    windows = FixedWindows(parse("5/second"), clock=clock)
    for n in range(100):
        windows.hit(("ip", str(n)))
    assert len(windows) == 100
    clock.now += 10
    windows.hit(("ip", "last"))
    assert len(windows) == 1
