"""The platform for a chaos run: fresh databases, and every link the harness may cut
(broker, each service's database, the order service's gRPC peers) behind a proxy it owns."""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.databases import RABBITMQ_URL, platform_databases
from tests.support.stack import Stack, stack_env
from tests.support.tcp_proxy import TcpProxy

# Fast enough that recovery finishes within a short run; the values are the services' own.
CHAOS_TUNING = {
    "ORDER_RECOVERY_INTERVAL_SECONDS": "2",
    "ORDER_RECOVERY_GRACE_SECONDS": "5",
    "ORDER_RESERVATION_TTL_SECONDS": "30",
    "RESERVATION_SWEEP_SECONDS": "1",
    # A killed worker must find its queue (and what arrived meanwhile) when it comes back.
    "NOTIFICATION_QUEUE_AUTO_DELETE": "false",
}


def _proxied(url: str) -> tuple[TcpProxy, str]:
    """A proxy in front of the server of `url`, and the same URL through the proxy."""
    parts = urlsplit(url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 0)
    proxy.restore()
    return proxy, url.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{proxy.port}", 1)


class ChaosPlatform:
    """Owns the databases, the proxies and the processes of one run."""

    def __init__(self, root: Path) -> None:
        self._databases = ExitStack()
        databases = self._databases.enter_context(platform_databases("shop_chaos"))
        users_url, products_url, orders_url = databases.users, databases.products, databases.orders
        # Direct URLs, for the harness's own reads: never cut.
        self.direct = {"users": users_url, "products": products_url, "orders": orders_url}
        self.proxies: dict[str, TcpProxy] = {}
        self.proxies["broker"], broker_url = _proxied(RABBITMQ_URL)
        self.proxies["users-db"], users_proxied = _proxied(users_url)
        self.proxies["products-db"], products_proxied = _proxied(products_url)
        self.proxies["orders-db"], orders_proxied = _proxied(orders_url)
        env = stack_env(
            data_dir=root / "data",
            mysql_url=users_proxied,
            products_url=products_proxied,
            orders_url=orders_proxied,
        )
        env.update(CHAOS_TUNING)
        env["RABBITMQ_URL"] = broker_url
        env["NOTIFICATION_QUEUE"] = f"chaos-notifications-{uuid.uuid4().hex[:8]}"
        for peer, variable in (
            ("users", "USER_SERVICE_GRPC"),
            ("products", "PRODUCT_SERVICE_GRPC"),
        ):
            host, _, port = env[variable].rpartition(":")
            proxy = TcpProxy(host, int(port))
            proxy.restore()
            self.proxies[f"{peer}-grpc"] = proxy
            env[variable] = f"127.0.0.1:{proxy.port}"
        self.data_dir = root / "data"
        self.stack = Stack(env, log_dir=root / "logs")

    def start(self) -> None:
        self.stack.supervisor.start_all()

    def close(self) -> None:
        self.stack.close()
        for proxy in self.proxies.values():
            proxy.resume()
            proxy.cut()
        self._databases.close()
