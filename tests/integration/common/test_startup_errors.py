"""The usual first-run failures end a process with one sentence that says what to do."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.launcher import launcher_env


def _run(module: str, env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", module], env=env, capture_output=True, timeout=timeout
    )
    output = (done.stdout + done.stderr).decode(errors="replace")
    assert "Traceback" not in output, output
    return done.returncode, done.stderr.decode(errors="replace").strip().splitlines()[-1]


@contextmanager
def _listening(port: int) -> Iterator[None]:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()
        yield


@contextmanager
def _bound(port: int) -> Iterator[socket.socket]:
    """Bound but not listening: what an outgoing connection's local port looks like."""
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", port))
        yield sock


def test_rest_port_in_use_names_the_port_and_its_variable(tmp_path: Path) -> None:
    env = launcher_env(tmp_path)
    port = int(env["USER_SERVICE_PORT"])
    with _listening(port):
        code, sentence = _run("shop.users", env)
    assert code == 1
    assert sentence.startswith(f"users: REST port {port} is already in use")
    assert "set USER_SERVICE_PORT to a free port" in sentence


def test_gateway_port_in_use(tmp_path: Path) -> None:
    env = launcher_env(tmp_path)
    port = int(env["GATEWAY_PORT"])
    with _listening(port):
        code, sentence = _run("shop.gateway", env)
    assert code == 1
    assert sentence.startswith(f"gateway: REST port {port} is already in use")
    assert "GATEWAY_PORT" in sentence


def test_grpc_port_held_in_the_ephemeral_range_says_how_to_reserve_it(tmp_path: Path) -> None:
    env = launcher_env(tmp_path)
    port = int(env["ORDER_SERVICE_GRPC_PORT"])  # a free port: the ephemeral range
    started = time.monotonic()
    with _bound(port):
        code, sentence = _run("shop.orders", env)
    assert code == 1
    assert time.monotonic() - started >= 5  # the bind was retried first
    assert f"orders: gRPC port {port} stayed taken for" in sentence
    assert "net.ipv4.ip_local_reserved_ports=3000-3005,9100,50051-50053" in sentence
    assert "ORDER_SERVICE_GRPC_PORT" in sentence


def test_grpc_port_freed_within_the_retry_window_is_bound(tmp_path: Path) -> None:
    env = launcher_env(tmp_path)
    port = int(env["PRODUCT_SERVICE_GRPC_PORT"])
    holder = socket.socket()
    holder.bind(("0.0.0.0", port))
    proc = subprocess.Popen(
        [sys.executable, "-m", "shop.products"], env=env, stdout=subprocess.PIPE
    )
    lines: list[bytes] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not any(b'"grpc_port_busy"' in line for line in lines):
            assert time.monotonic() < deadline and proc.poll() is None, lines
            time.sleep(0.1)
        holder.close()  # freed while the service retries
        url = f"http://127.0.0.1:{env['PRODUCT_SERVICE_PORT']}/health"
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        assert proc.poll() is None, "the product service gave up instead of retrying"
    finally:
        holder.close()
        proc.terminate()
        proc.wait(30)
        reader.join(10)
        proc.stdout.close()
    assert sum(b'"grpc_port_busy"' in line for line in lines) == 1


def test_database_that_cannot_be_reached(tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"postgresql://postgres:s3cret-pw@127.0.0.1:{port}/shop_orders"
    code, sentence = _run("shop.orders", launcher_env(tmp_path, POSTGRESQL_URI=url))
    assert code == 1
    assert sentence.startswith(
        f"orders: the database at postgresql://postgres:***@127.0.0.1:{port}/shop_orders "
        "(POSTGRESQL_URI) cannot be reached"
    )
    assert "s3cret-pw" not in sentence


def test_database_that_refuses_the_login(tmp_path: Path) -> None:
    url = "mysql://no_such_user:wrong-pw@127.0.0.1:3306/shop_users"
    code, sentence = _run("shop.users", launcher_env(tmp_path, MYSQL_URI=url))
    assert code == 1
    assert "(MYSQL_URI) refused the login (check the user and password" in sentence
    assert "wrong-pw" not in sentence
