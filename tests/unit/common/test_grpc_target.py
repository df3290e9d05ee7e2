"""*_SERVICE_GRPC values as gRPC targets: one address as given, a list as ipv4: replicas."""

from __future__ import annotations

from shop.common.grpc_client import channel_target


def test_one_address_is_passed_through() -> None:
    assert channel_target("products:50051") == "products:50051"
    assert channel_target(" 127.0.0.1:50051 ") == "127.0.0.1:50051"


def test_a_list_becomes_one_ipv4_target() -> None:
    value = "127.0.0.1:5001, 127.0.0.2:5002,"
    assert channel_target(value) == "ipv4:127.0.0.1:5001,127.0.0.2:5002"


def test_names_in_a_list_are_resolved() -> None:
    assert channel_target("localhost:5001,127.0.0.1:5002") == "ipv4:127.0.0.1:5001,127.0.0.1:5002"
