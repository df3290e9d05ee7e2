"""What the launcher starts: each process's module and ports, and the order to start them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Start order: the order service needs its peers; the gateway goes last so that a
# client never sees it before what it routes to.
START_ORDER = ("notifications", "users", "products", "orders", "gateway")


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    rest_port_env: str | None = None
    rest_port_default: int | None = None
    grpc_port_env: str | None = None
    grpc_port_default: int | None = None

    def rest_port(self, env: Mapping[str, str]) -> int | None:
        if self.rest_port_env is None or self.rest_port_default is None:
            return None
        return int(env.get(self.rest_port_env, self.rest_port_default))

    def grpc_port(self, env: Mapping[str, str]) -> int | None:
        if self.grpc_port_env is None or self.grpc_port_default is None:
            return None
        return int(env.get(self.grpc_port_env, self.grpc_port_default))


SERVICES: dict[str, ServiceSpec] = {
    "users": ServiceSpec(
        "users", "shop.users", "USER_SERVICE_PORT", 3001, "USER_SERVICE_GRPC_PORT", 50053
    ),
    "products": ServiceSpec(
        "products",
        "shop.products",
        "PRODUCT_SERVICE_PORT",
        3002,
        "PRODUCT_SERVICE_GRPC_PORT",
        50051,
    ),
    "orders": ServiceSpec(
        "orders", "shop.orders", "ORDER_SERVICE_PORT", 3003, "ORDER_SERVICE_GRPC_PORT", 50052
    ),
    "gateway": ServiceSpec("gateway", "shop.gateway", "GATEWAY_PORT", 3000),
    # The worker's port serves only /health, /health/ready and /metrics.
    "notifications": ServiceSpec("notifications", "shop.notifications", "NOTIFICATION_PORT", 3005),
}
