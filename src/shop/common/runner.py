"""Runs one service process: REST and gRPC in one event loop, stopped cleanly by a signal."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any

import uvicorn
from pydantic import ValidationError
from starlette.types import ASGIApp

from shop.common.grpc_server import GrpcServer
from shop.common.heap import freeze_startup_objects
from shop.common.logging import get_logger
from shop.common.settings import SecretMissingError
from shop.common.startup_errors import PortUnavailable, describe

log = get_logger("shop.runner")


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # The runner owns the signals, so REST and gRPC stop together.
        yield


async def serve(
    *,
    app: ASGIApp,
    rest_port: int,
    grpc_server: Callable[[], Awaitable[GrpcServer]] | None = None,
    host: str = "0.0.0.0",
    grace_seconds: float = 5.0,
) -> None:
    """Serves until SIGINT/SIGTERM, then drains gRPC calls and HTTP requests."""
    config = uvicorn.Config(
        app,
        host=host,
        port=rest_port,
        loop="none",
        http="httptools",
        access_log=False,
        # Only the gateway calls a service, and nothing here reads the client's address:
        # taking it from X-Forwarded-For was a middleware layer around every request.
        proxy_headers=False,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=int(grace_seconds),
    )
    rest = _Server(config)
    # Bound here, not by uvicorn, so a taken port is our error to word, not a uvicorn exit.
    listener = _bind_rest(host, rest_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    rpc: GrpcServer | None = None
    rest_task: asyncio.Task[None] | None = None
    try:
        # gRPC first: once /health answers, every port of the process is serving.
        if grpc_server is not None:
            rpc = await grpc_server()
        rest_task = asyncio.create_task(rest.serve(sockets=[listener]))
        while not rest.started:
            if rest_task.done():
                await rest_task
                raise RuntimeError("REST server failed to start")
            await asyncio.sleep(0.02)
        log.info("service_ready", rest_port=rest_port)
        freeze_startup_objects()
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait({waiter, rest_task}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
    finally:
        log.info("service_stopping")
        if rpc is not None:
            await rpc.stop(grace_seconds)
        rest.should_exit = True
        if rest_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await rest_task
        listener.close()


def _bind_rest(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortUnavailable(port=port, kind="REST") from exc
    return sock


def run(main: Callable[[], Coroutine[Any, Any, None]], *, name: str = "shop") -> None:
    """asyncio.run with uvloop; a configuration error exits 1 with one plain line."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency, but not on Windows
        runner: Callable[[Coroutine[Any, Any, None]], None] = asyncio.run
    else:
        runner = uvloop.run
    try:
        runner(main())
    except (SecretMissingError, ValidationError) as exc:
        # A start-up error, stated plainly: no traceback, no silent default.
        sys.exit(f"{name}: invalid configuration: {exc}")
    except Exception as exc:
        sentence = describe(name, exc)
        if sentence is None:
            raise
        sys.exit(f"{name}: {sentence}")
