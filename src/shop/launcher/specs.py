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


# Services that may run as several processes: each replica gets its own ports, the first
# replica's plus REPLICA_PORT_STEP per extra one (orders: 3003/50052, 3013/50062, ...).
SCALABLE = ("users", "products", "orders")
REPLICA_PORT_STEP = 10
_URL_ENV = {"users": "USER_SERVICE", "products": "PRODUCT_SERVICE", "orders": "ORDER_SERVICE"}


def parse_replicas(value: str) -> dict[str, int]:
    """REPLICAS='orders=2,products=2' -> {'orders': 2, 'products': 2}; errors say what is wrong."""
    counts: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        name, _, count = part.partition("=")
        if name.strip() not in SCALABLE or not count.strip().isdigit():
            raise ValueError(f"REPLICAS: {part!r} is not <service>=<count> with one of {SCALABLE}")
        counts[name.strip()] = max(1, min(int(count), 9))
    return counts


def service_of(process: str) -> str:
    """'orders-2' -> 'orders': a replica's process name -> its service."""
    return process.partition("-")[0]


def launch_plan(env: Mapping[str, str]) -> tuple[dict[str, str], list[tuple[str, dict[str, str]]]]:
    """The env every process shares (replica lists in *_SERVICE_URL/GRPC) and, in start
    order, each process's name with its own port variables."""
    counts = parse_replicas(env.get("REPLICAS", ""))
    shared = dict(env)
    plan: list[tuple[str, dict[str, str]]] = []
    for name in START_ORDER:
        spec, count = SERVICES[name], counts.get(name, 1)
        if count == 1:
            plan.append((name, {}))
            continue
        rest, grpc = spec.rest_port(env), spec.grpc_port(env)
        assert rest is not None and grpc is not None and spec.rest_port_env and spec.grpc_port_env
        urls, targets = [], []
        for i in range(count):
            step = i * REPLICA_PORT_STEP
            urls.append(f"http://127.0.0.1:{rest + step}")
            targets.append(f"127.0.0.1:{grpc + step}")
            ports = {spec.rest_port_env: str(rest + step), spec.grpc_port_env: str(grpc + step)}
            plan.append((name if i == 0 else f"{name}-{i + 1}", ports))
        shared[f"{_URL_ENV[name]}_URL"] = ",".join(urls)
        shared[f"{_URL_ENV[name]}_GRPC"] = ",".join(targets)
    return shared, plan
