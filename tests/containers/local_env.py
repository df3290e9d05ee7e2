"""Each container's environment: compose's, with real secrets, pointed at this machine.

Compose names its peers and stores by service name (`users:3001`, `mysql:3306`); on host
networking here they are loopback addresses on free ports, and the stores are fresh databases
on this machine's servers. Everything else is compose's value, unchanged.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from shop.launcher.specs import SERVICES
from tests.containers.deployment import Deployed, port_settings, settings_class
from tests.support.compose_interpolation import references
from tests.support.deploy_files import COMPOSE_FILE
from tests.support.ports import free_port

LOOPBACK = "127.0.0.1"
_PEER = re.compile(r"\b(gateway|users|products|orders|notifications):(\d+)\b")
_HOST_PORT = re.compile(r"(?:^|[/@,])([A-Za-z0-9_.-]+):(\d+)")


@dataclass(frozen=True)
class Stores:
    """This machine's servers, with a fresh database per store."""

    mysql: str
    products: str
    orders: str
    rabbitmq: str
    redis: str


def compose_variables() -> dict[str, str]:
    """A real value for every ${VARIABLE} compose requires, as an operator's .env holds."""
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    required = {ref.name for ref in references(text) if ref.required}
    return {name: secrets.token_hex(32) for name in sorted(required)}


def allocate_ports(names: list[str]) -> dict[str, int]:
    """A free port for every port setting of every process (none binds a default port)."""
    wanted = {env for name in names for env in port_settings(name)}
    return {env: free_port() for env in sorted(wanted)}


def local_env(
    process: Deployed,
    *,
    ports: Mapping[str, int],
    stores: Stores,
    run_id: str,
    admin: tuple[str, str],
) -> dict[str, str]:
    """`process`'s compose environment, with loopback addresses, ports and this run's stores."""
    defaults = {default: env for name in SERVICES for env, default in port_settings(name).items()}

    def to_loopback(value: str) -> str:
        return _PEER.sub(lambda m: f"{LOOPBACK}:{ports[defaults[int(m[2])]]}", value)

    env = {key: to_loopback(value) for key, value in process.env.items() if value is not None}
    env.update({key: str(ports[key]) for key in port_settings(process.name)})
    # The stores compose runs itself are this machine's servers here. No MongoDB runs here:
    # the product service uses its SQL document store, the one the contract allows.
    stores_by_env = {
        "MYSQL_URI": stores.mysql,
        "POSTGRESQL_URI": stores.orders,
        "RABBITMQ_URL": stores.rabbitmq,
        "REDIS_URL": stores.redis,
    }
    env.update({key: url for key, url in stores_by_env.items() if key in env})
    if env.pop("MONGODB_URI", None) is not None:
        env["PRODUCT_SQL_URI"] = stores.products
    # Compose passes these through from deploy/.env when set (the operator's admin).
    if "ADMIN_EMAIL" in process.env:
        env["ADMIN_EMAIL"], env["ADMIN_PASSWORD"] = admin
    # Other test runs share the broker and Redis: a queue and rate-limit keys of this run's.
    isolation = {
        "NOTIFICATION_QUEUE": f"notifications-containers-{run_id}",
        "NOTIFICATION_QUEUE_AUTO_DELETE": "true",
        "RATE_LIMIT_KEY_PREFIX": f"shop-gateway-containers-{run_id}",
    }
    fields = {f.upper() for f in settings_class(process.name).model_fields}
    env.update({key: value for key, value in isolation.items() if key in fields})
    return env


def non_loopback_addresses(env: Mapping[str, str]) -> list[str]:
    """Any host:port in the values that is not on this machine's loopback."""
    return [
        f"{key}={value}"
        for key, value in env.items()
        for host, _ in _HOST_PORT.findall(value)
        if host not in (LOOPBACK, "localhost")
    ]
