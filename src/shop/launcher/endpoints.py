"""Where each process answers health, readiness and metrics, from the env (the contract's
ports and defaults); the banner and `shop status` share it."""

from __future__ import annotations

from collections.abc import Mapping

from shop.launcher.specs import SERVICES, START_ORDER

LOCAL = "http://127.0.0.1"
# Ports the contract gives processes beside their REST port, with its defaults.
GATEWAY_METRICS = ("GATEWAY_METRICS_PORT", 9100)
NOTIFICATION_HTTP = ("NOTIFICATION_PORT", 3005)


def process_urls(env: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Each process's base URL (/health, /health/ready) and metrics URL, in start order."""
    urls: dict[str, tuple[str, str]] = {}
    for name in START_ORDER:
        if name == "notifications":
            worker = int(env.get(NOTIFICATION_HTTP[0], NOTIFICATION_HTTP[1]))
            urls[name] = (f"{LOCAL}:{worker}", f"{LOCAL}:{worker}/metrics")
            continue
        base = f"{LOCAL}:{SERVICES[name].rest_port(env)}"
        metrics = f"{base}/metrics"
        if name == "gateway":
            metrics = f"{LOCAL}:{int(env.get(GATEWAY_METRICS[0], GATEWAY_METRICS[1]))}/metrics"
        urls[name] = (base, metrics)
    return urls


def gateway_url(env: Mapping[str, str]) -> str:
    return process_urls(env)["gateway"][0]
