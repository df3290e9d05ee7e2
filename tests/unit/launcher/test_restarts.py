"""Crashed processes are restarted with growing delays, until they crash too often."""

from __future__ import annotations

from shop.launcher.restarts import RestartPolicy


def test_backoff_grows_then_gives_up_within_the_window() -> None:
    policy = RestartPolicy(max_crashes=3, window_seconds=60, base_delay_seconds=1)
    assert policy.delay_after_crash("orders", now=0) == 1
    assert policy.delay_after_crash("orders", now=5) == 2
    assert policy.delay_after_crash("orders", now=10) is None


def test_crashes_outside_the_window_are_forgotten_and_processes_are_counted_apart() -> None:
    policy = RestartPolicy(max_crashes=3, window_seconds=60, base_delay_seconds=1)
    assert policy.delay_after_crash("orders", now=0) == 1
    assert policy.delay_after_crash("users", now=1) == 1
    assert policy.delay_after_crash("orders", now=30) == 2
    assert policy.delay_after_crash("orders", now=100) == 1  # the first two are old news
    assert policy.crashes_in_window("orders") == 1


def test_delay_is_capped() -> None:
    policy = RestartPolicy(max_crashes=10, base_delay_seconds=1, max_delay_seconds=4)
    delays = [policy.delay_after_crash("gateway", now=float(i)) for i in range(5)]
    assert delays == [1, 2, 4, 4, 4]
