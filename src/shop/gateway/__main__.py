"""`python -m shop.gateway`: serve the gateway with uvicorn (uvloop, httptools, no access log)."""

from __future__ import annotations

import signal
import sys
from types import FrameType

import uvicorn
from pydantic import ValidationError

from shop.common.heap import freeze_startup_objects
from shop.common.logging import configure_logging
from shop.common.settings import SecretMissingError
from shop.common.startup_errors import PortUnavailable, describe, port_is_free
from shop.common.tracing import configure_tracing, wrap_asgi
from shop.gateway.app import Gateway
from shop.gateway.metrics import serve_metrics
from shop.gateway.server import GatewayHttpProtocol
from shop.gateway.settings import GatewaySettings


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main() -> None:
    """Reads settings once, then serves until SIGINT/SIGTERM (uvicorn drains in-flight requests)."""
    try:
        settings = GatewaySettings()
    except (SecretMissingError, ValidationError) as exc:
        # A start-up error, stated plainly: no traceback, no silent default.
        sys.exit(f"gateway: invalid configuration: {exc}")
    configure_logging(service="gateway", level=settings.log_level)
    if not port_is_free(settings.gateway_host, settings.gateway_port):
        taken = PortUnavailable(port=settings.gateway_port, kind="REST")
        sys.exit(f"gateway: {describe('gateway', taken)}")
    serve_metrics(settings.gateway_metrics_host, settings.gateway_metrics_port)
    configure_tracing("gateway")
    # uvicorn drains in-flight requests on SIGINT/SIGTERM, then re-raises the signal for the
    # previous handler: this one, so a requested stop exits 0 like the other services.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _exit_cleanly)
    app = wrap_asgi(Gateway(settings))
    freeze_startup_objects()
    uvicorn.run(
        app,
        host=settings.gateway_host,
        port=settings.gateway_port,
        loop="uvloop",
        http=GatewayHttpProtocol,
        lifespan="on",
        access_log=False,
        log_config=None,
        server_header=False,
        proxy_headers=False,  # the client IP keys rate limits: never taken from a header
        timeout_graceful_shutdown=5,
        timeout_keep_alive=settings.gateway_keepalive_seconds,
    )


def create_app() -> Gateway:
    """The gateway for an ASGI server that imports it by name (the benchmark runs it under
    granian this way to compare servers); `main` is how the platform runs it."""
    settings = GatewaySettings()
    configure_logging(service="gateway", level=settings.log_level)
    app = Gateway(settings)
    freeze_startup_objects()
    return app


if __name__ == "__main__":
    main()
