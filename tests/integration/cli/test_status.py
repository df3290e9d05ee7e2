"""`shop status` reads /health/ready per the contract and names what fails."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shop.cli.status import probe
from tests.support.ports import free_port

READY = {"status": "ready", "checks": {"database": {"status": "up", "latencyMs": 1.2}}}
UNAVAILABLE = {
    "status": "unavailable",
    "checks": {
        "database": {"status": "down", "latencyMs": 3.0, "error": "connection refused"},
        "broker": {"status": "up", "latencyMs": 2.0},
    },
}


def _server(routes: dict[str, tuple[int, object]]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = routes.get(self.path, (404, {"success": False}))
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def ready() -> Iterator[str]:
    yield from _server({"/health/ready": (200, READY)})


@pytest.fixture
def unavailable() -> Iterator[str]:
    yield from _server({"/health/ready": (503, UNAVAILABLE)})


@pytest.fixture(params=[404, 401])
def liveness_only(request: pytest.FixtureRequest) -> Iterator[str]:
    refused = {"success": False, "message": "missing or invalid gateway secret"}
    yield from _server(
        {"/health": (200, {"status": "healthy"}), "/health/ready": (request.param, refused)}
    )


def test_ready(ready: str) -> None:
    row = probe("users", ready)
    assert (row.state, row.detail, row.ok) == ("ready", "", True)


def test_unavailable_names_the_failing_check(unavailable: str) -> None:
    row = probe("orders", unavailable)
    assert (row.state, row.ok) == ("unavailable", False)
    assert row.detail == "database down (connection refused)"


def test_falls_back_to_liveness_and_says_so(liveness_only: str) -> None:
    row = probe("gateway", liveness_only)
    assert (row.state, row.ok) == ("alive", True)
    assert row.url.endswith("/health")
    assert "/health/ready not served" in row.detail


def test_nothing_listening_is_down() -> None:
    row = probe("notifications", f"http://127.0.0.1:{free_port()}")
    assert (row.state, row.ok) == ("down", False)
    assert row.detail.startswith("no answer")
