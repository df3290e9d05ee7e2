"""What the launcher prints once every process is ready: where everything is."""

from __future__ import annotations

import socket
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

from shop.cli.client import Client
from shop.launcher.endpoints import process_urls


def _served(client: Client, path: str) -> bool:
    try:
        return client.call("GET", path, headers={"Accept": "text/html"}).status < 400
    except OSError:
        return False


def broker_reachable(url: str | None) -> bool:
    if not url:
        return False
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), 1):
            return True
    except OSError:
        return False


def _where(url: str) -> str:
    """host:port of a URL, never its credentials."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def banner(env: Mapping[str, str], *, shopper: tuple[str, str] | None) -> str:
    """The banner's text; probes the gateway for the pages other parts may not serve yet."""
    gateway = process_urls(env)["gateway"][0]
    client = Client(gateway, timeout=3)

    def page(path: str, label: str) -> str:
        note = "" if _served(client, path) else "   (not served by this build yet)"
        return f"  {label:<15}{gateway}{path}{note}"

    lines = [
        "",
        "shop is ready",
        page("/", "storefront"),
        page("/admin", "admin console"),
        page("/docs", "API docs"),
    ]
    admin_email, admin_password = env.get("ADMIN_EMAIL"), env.get("ADMIN_PASSWORD")
    show_passwords = env.get("SHOP_ENV", "development") != "production"
    if admin_email and admin_password:
        secret = admin_password if show_passwords else "(ADMIN_PASSWORD)"
        lines.append(f"  {'demo admin':<15}{admin_email} / {secret}")
    if shopper is not None:
        lines.append(f"  {'demo shopper':<15}{shopper[0]} / {shopper[1]}")
    smtp = env.get("SMTP_URL")
    if smtp:
        lines.append(f"  {'mail':<15}sent through SMTP at {_where(smtp)}")
    else:
        mail = (Path(env.get("DATA_DIR", "./var")) / "mail").resolve()
        lines.append(f"  {'mail':<15}written to {mail}/ (set SMTP_URL to send it)")
    broker = env.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
    if broker_reachable(broker):
        lines.append(f"  {'events':<15}RabbitMQ at {_where(broker)}")
    elif broker:
        lines.append(
            f"  {'events':<15}RabbitMQ at {_where(broker)} is unreachable: events wait in "
            "each service's outbox and go out once it is up"
        )
    else:
        lines.append(f"  {'events':<15}RABBITMQ_URL is empty: events stay in the outboxes")
    lines.append(f"  {'health':<15}/health (alive), /health/ready (can serve), /metrics:")
    for name, (base, metrics) in process_urls(env).items():
        tail = "/metrics" if metrics == f"{base}/metrics" else metrics
        lines.append(f"    {name:<14}{base}/health  /health/ready  {tail}")
    lines += [
        f"  {'status':<15}uv run shop status   (traffic: uv run shop demo-traffic)",
        f"  {'stop':<15}Ctrl-C stops every process",
        "",
    ]
    return "\n".join(lines)
