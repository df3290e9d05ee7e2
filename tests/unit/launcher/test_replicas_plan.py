"""REPLICAS=orders=2,...: which processes the launcher starts, on which ports, told what."""

from __future__ import annotations

import pytest

from shop.launcher.specs import launch_plan, parse_replicas, service_of


def test_without_replicas_one_process_per_service_and_env_untouched() -> None:
    env = {"ORDER_SERVICE_URL": "http://x:1"}
    shared, plan = launch_plan(env)
    assert shared == env
    assert [name for name, _ in plan] == [
        "notifications",
        "users",
        "products",
        "orders",
        "gateway",
    ]
    assert all(ports == {} for _, ports in plan)


def test_replicas_get_their_own_ports_and_every_process_the_lists() -> None:
    shared, plan = launch_plan({"REPLICAS": "orders=2, products=3", "ORDER_SERVICE_PORT": "4003"})
    names = [name for name, _ in plan]
    assert names.index("orders-2") < names.index("gateway")
    ports = dict(plan)
    assert ports["orders"] == {"ORDER_SERVICE_PORT": "4003", "ORDER_SERVICE_GRPC_PORT": "50052"}
    assert ports["orders-2"] == {"ORDER_SERVICE_PORT": "4013", "ORDER_SERVICE_GRPC_PORT": "50062"}
    assert ports["products-3"]["PRODUCT_SERVICE_PORT"] == "3022"
    assert shared["ORDER_SERVICE_URL"] == "http://127.0.0.1:4003,http://127.0.0.1:4013"
    assert shared["PRODUCT_SERVICE_GRPC"] == "127.0.0.1:50051,127.0.0.1:50061,127.0.0.1:50071"
    assert "USER_SERVICE_URL" not in shared
    assert service_of("orders-2") == "orders" and service_of("gateway") == "gateway"


@pytest.mark.parametrize("value", ["gateway=2", "orders", "orders=two", "carts=2"])
def test_a_bad_replicas_value_is_a_clear_error(value: str) -> None:
    with pytest.raises(ValueError, match="REPLICAS"):
        parse_replicas(value)
