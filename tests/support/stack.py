"""The whole platform as real processes on free ports, for end-to-end tests."""

from __future__ import annotations

import os
import secrets
import socket
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from shop.launcher.specs import REPLICA_PORT_STEP, SERVICES, launch_plan, parse_replicas
from shop.launcher.supervisor import Supervisor
from tests.support.databases import RABBITMQ_URL

# Re-exported: the benchmarks import it from here.
from tests.support.ports import free_port as free_port


def stack_env(
    *, data_dir: Path, mysql_url: str, products_url: str, orders_url: str
) -> dict[str, str]:
    """Env for every process: fresh ports and secrets, real databases and broker."""
    ports = {name: free_port() for name in SERVICES}
    grpc = {name: free_port() for name in ("users", "products", "orders")}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHOP_", "MONGODB", "PYTEST_", "ADMIN_"))
    }
    env.update(
        {
            "SHOP_ENV": "test",
            "LOG_LEVEL": "INFO",
            "DATA_DIR": str(data_dir),
            "JWT_SECRET": secrets.token_urlsafe(32),
            # Two secrets, to exercise rotation: services accept both, callers send the first.
            "GATEWAY_SECRET": f"{secrets.token_urlsafe(24)},{secrets.token_urlsafe(24)}",
            "RABBITMQ_URL": RABBITMQ_URL,
            "MYSQL_URI": mysql_url,
            "PRODUCT_SQL_URI": products_url,
            "POSTGRESQL_URI": orders_url,
            "ADMIN_EMAIL": f"admin-{uuid.uuid4().hex[:8]}@example.com",
            "ADMIN_PASSWORD": secrets.token_urlsafe(16),
            # Generous limits: the rate-limit test starts its own gateway with tight ones.
            "RATE_LIMIT_DEFAULT": "100000/minute",
            "RATE_LIMIT_AUTH": "100000/minute",
            "NOTIFICATION_QUEUE": f"notifications-e2e-{uuid.uuid4().hex[:8]}",
            "NOTIFICATION_QUEUE_AUTO_DELETE": "true",
            "GATEWAY_PORT": str(ports["gateway"]),
            "NOTIFICATION_PORT": str(ports["notifications"]),
            "GATEWAY_METRICS_PORT": str(free_port()),
            "USER_SERVICE_PORT": str(ports["users"]),
            "PRODUCT_SERVICE_PORT": str(ports["products"]),
            "ORDER_SERVICE_PORT": str(ports["orders"]),
            "USER_SERVICE_GRPC_PORT": str(grpc["users"]),
            "PRODUCT_SERVICE_GRPC_PORT": str(grpc["products"]),
            "ORDER_SERVICE_GRPC_PORT": str(grpc["orders"]),
            "USER_SERVICE_URL": f"http://127.0.0.1:{ports['users']}",
            "PRODUCT_SERVICE_URL": f"http://127.0.0.1:{ports['products']}",
            "ORDER_SERVICE_URL": f"http://127.0.0.1:{ports['orders']}",
            "USER_SERVICE_GRPC": f"127.0.0.1:{grpc['users']}",
            "PRODUCT_SERVICE_GRPC": f"127.0.0.1:{grpc['products']}",
            "ORDER_SERVICE_GRPC": f"127.0.0.1:{grpc['orders']}",
        }
    )
    return env


def _port_with_replica_room() -> int:
    """A free port p with p + REPLICA_PORT_STEP free too (the launcher's second replica)."""
    while True:
        port = free_port()
        try:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", port + REPLICA_PORT_STEP))
            return port
        except OSError:
            continue


def with_replicas(
    env: Mapping[str, str], replicas: str
) -> tuple[dict[str, str], list[tuple[str, dict[str, str]]]]:
    """The launcher's plan for REPLICAS (e.g. 'orders=2'): shared env and processes, on
    first ports chosen so that the second replica's ports are free as well."""
    env = {**env, "REPLICAS": replicas}
    for name in parse_replicas(replicas):
        # Only the scaled services move: the launcher rewrites their URLs, not the others'.
        spec = SERVICES[name]
        assert spec.rest_port_env is not None and spec.grpc_port_env is not None
        env[spec.rest_port_env] = str(_port_with_replica_room())
        env[spec.grpc_port_env] = str(_port_with_replica_room())
    return launch_plan(env)


class Stack:
    """Handles on the running platform; tests drive it through the gateway."""

    def __init__(self, env: Mapping[str, str], log_dir: Path) -> None:
        self.env = dict(env)
        self.log_dir = log_dir
        self.supervisor = Supervisor(self.env, log_dir=log_dir)
        self.gateway_url = f"http://127.0.0.1:{self.env['GATEWAY_PORT']}"
        self.gateway_metrics_url = f"http://127.0.0.1:{self.env['GATEWAY_METRICS_PORT']}"
        self.secret = self.env["GATEWAY_SECRET"].split(",")[0]
        self.secrets = self.env["GATEWAY_SECRET"].split(",")
        self.jwt_secret = self.env["JWT_SECRET"]
        self.admin_email = self.env["ADMIN_EMAIL"]
        self.admin_password = self.env["ADMIN_PASSWORD"]
        self.client = httpx.Client(base_url=self.gateway_url, timeout=30)
        self._admin_token: str | None = None
        # Every password, access and refresh token handed out here: none may reach a log.
        self.issued_secrets: list[str] = [self.admin_password]

    def url(self, name: str) -> str:
        port = SERVICES[name].rest_port(self.env)
        assert port is not None, f"{name} serves no REST port"
        return f"http://127.0.0.1:{port}"

    def grpc_target(self, name: str) -> str:
        port = SERVICES[name].grpc_port(self.env)
        return f"127.0.0.1:{port}"

    def start(self, name: str, extra_env: Mapping[str, str] | None = None) -> None:
        self.supervisor.start(name, extra_env)

    def kill(self, name: str) -> None:
        self.supervisor.kill(name)

    def stop(self, name: str) -> None:
        self.supervisor.stop(name)

    def restart(self, name: str, extra_env: Mapping[str, str] | None = None) -> None:
        self.supervisor.stop(name)
        self.supervisor.start(name, extra_env)

    def logs(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def login(self, email: str, password: str) -> dict[str, Any]:
        resp = self.client.post("/auth/login", json={"email": email, "password": password})
        assert resp.status_code == 200, resp.text
        data: dict[str, Any] = resp.json()["data"]
        self.issued_secrets += [password, data["accessToken"], data["refreshToken"]]
        return data

    def new_user(self) -> dict[str, Any]:
        """A freshly registered user, logged in: email, password, user, tokens."""
        email = f"user-{uuid.uuid4().hex[:12]}@example.com"
        password = secrets.token_urlsafe(12)
        resp = self.client.post(
            "/auth/register", json={"email": email, "password": password, "name": "Test User"}
        )
        assert resp.status_code == 201, resp.text
        session = self.login(email, password)
        return {"email": email, "password": password, **session}

    def user_token(self) -> str:
        return str(self.new_user()["accessToken"])

    def admin_token(self) -> str:
        if self._admin_token is None:
            self._admin_token = str(
                self.login(self.admin_email, self.admin_password)["accessToken"]
            )
        return self._admin_token

    @staticmethod
    def auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    @property
    def known_secrets(self) -> list[str]:
        """The platform's secrets and everything issued through this handle."""
        return [*self.secrets, self.jwt_secret, *self.issued_secrets]

    def start_planned(self, plan: list[tuple[str, dict[str, str]]]) -> None:
        """Starts every process of a launcher plan (replicas included), in order."""
        for name, ports in plan:
            self.supervisor.start(name, ports)

    def close(self) -> None:
        self.client.close()
        self.supervisor.stop_all()
