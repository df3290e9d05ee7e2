"""A labelled metric's children are looked up once and created on first use."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from shop.common.metrics import Children


def test_each_label_set_is_one_child_created_when_first_asked_for() -> None:
    registry = CollectorRegistry()
    calls = Counter("calls_total", "calls", ["method", "code"], registry=registry)
    children = Children(calls)
    assert registry.get_sample_value("calls_total", {"method": "Get", "code": "OK"}) is None

    children("Get", "OK").inc()
    children("Get", "OK").inc()
    children("Get", "NOT_FOUND").inc()

    assert children("Get", "OK") is children("Get", "OK")
    assert registry.get_sample_value("calls_total", {"method": "Get", "code": "OK"}) == 2
    assert registry.get_sample_value("calls_total", {"method": "Get", "code": "NOT_FOUND"}) == 1
