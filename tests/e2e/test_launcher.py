"""`make run` as a newcomer meets it: the banner, demo data worth looking at, a supervisor
that restarts what crashes (and gives up, saying why, on what keeps crashing), Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.launcher import LauncherRun, launcher_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
PROCESSES = ("notifications", "users", "products", "orders", "gateway")


@pytest.fixture
def runs() -> Iterator[list[LauncherRun]]:
    started: list[LauncherRun] = []
    yield started
    for run in started:
        run.close()


def _gateway(env: dict[str, str]) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{env['GATEWAY_PORT']}", timeout=30)


def _shopper_orders(env: dict[str, str]) -> list[dict[str, object]]:
    with _gateway(env) as gateway:
        login = gateway.post(
            "/auth/login",
            json={"email": "shopper@example.com", "password": "shopper-password-123"},
        )
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['data']['accessToken']}"}
        addresses = gateway.get("/users/me/addresses", headers=auth).json()["data"]
        assert len(addresses) == 1
        listed = gateway.get("/orders", headers=auth, params={"limit": 50}).json()
        orders: list[dict[str, object]] = listed["data"]
        return orders


def _shop(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The `shop` console script, with the launcher's env."""
    command = [sys.executable, "-m", "shop.cli.main", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def _kill(run: LauncherRun, name: str) -> None:
    os.kill(run.children()[name], signal.SIGKILL)


def test_banner_demo_data_restart_and_ctrl_c(tmp_path: Path, runs: list[LauncherRun]) -> None:
    env = launcher_env(tmp_path / "data")
    run = LauncherRun(env)
    runs.append(run)
    said = run.wait_for("Ctrl-C stops every process")
    gateway = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    for expected in (
        f"{gateway}/docs",
        f"{gateway}/admin",
        "admin@shop.local / admin-password-123",
        "shopper@example.com / shopper-password-123",
        f"{(tmp_path / 'data' / 'mail').resolve()}/",
        "is unreachable: events wait in each service's outbox",
        f"http://127.0.0.1:{env['GATEWAY_METRICS_PORT']}/metrics",
        f"http://127.0.0.1:{env['NOTIFICATION_PORT']}/health",
        f"http://127.0.0.1:{env['ORDER_SERVICE_PORT']}/health  /health/ready  /metrics",
    ):
        assert expected in said
    assert "Traceback" not in said

    orders = _shopper_orders(env)
    assert sorted(str(o["status"]) for o in orders) == [
        "CANCELLED", "CONFIRMED", "DELIVERED", "FAILED", "SHIPPED",
    ]  # fmt: skip
    with _gateway(env) as client:
        products = client.get("/products", params={"limit": 100}).json()["data"]
    assert len({p["category"] for p in products}) >= 5
    assert sum(p["stock"] <= p["lowStockThreshold"] for p in products) >= 3
    assert all(len(p["description"]) > 30 and p["attributes"] for p in products)

    # The broker is down all along: each publisher says so once, not on every retry.
    time.sleep(3)
    for line in run.stdout.splitlines():
        assert "Traceback" not in line
    assert 1 <= run.stdout.count('"broker_unreachable"') <= len(PROCESSES)
    assert "error when creating transport" not in run.stdout

    status = _shop(env, "status")
    for name in PROCESSES:
        assert f"\n{name} " in f"\n{status.stdout}", status.stdout
    assert "Traceback" not in status.stdout + status.stderr
    traffic = _shop(env, "demo-traffic", "--minutes", "0.05", "--rate", "10")
    assert traffic.returncode == 0, traffic.stderr
    assert "browse 200" in traffic.stdout

    children = run.children()
    assert set(children) == set(PROCESSES)
    _kill(run, "orders")
    run.wait_for("orders exited unexpectedly (exit code -9); restarting it in 1 s")
    run.wait_for("orders is back")
    assert len(_shopper_orders(env)) == 5

    assert run.interrupt() == 0
    assert "stopped" in run.stderr
    for pid in run.children().values():
        pytest.fail(f"child {pid} outlived the launcher")
    for pid in children.values():
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        )

    # A second run on the same data adds nothing, and a process that keeps crashing
    # stops the platform with its last words.
    env2 = {**launcher_env(tmp_path / "data"), "DATA_DIR": env["DATA_DIR"]}
    again = LauncherRun(env2)
    runs.append(again)
    again.wait_for("Ctrl-C stops every process")
    assert len(_shopper_orders(env2)) == 5
    with _gateway(env2) as client:
        assert client.get("/products").json()["meta"]["total"] == len(products)
    _kill(again, "orders")
    again.wait_for("orders is back")
    _kill(again, "orders")
    again.wait_for("restarting it in 2 s")
    again.wait_for("orders is back", timeout=60, times=2)
    _kill(again, "orders")
    said = again.wait_for("stopping the platform")
    assert again.proc.wait(60) == 1
    assert "orders exited 3 times within 60 s (last exit code -9)" in said
    assert "its last lines:" in said


def test_a_port_in_use_stops_the_launch_with_one_sentence(
    tmp_path: Path, runs: list[LauncherRun]
) -> None:
    env = launcher_env(tmp_path / "data")
    port = int(env["USER_SERVICE_PORT"])
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", port))
        holder.listen()
        run = LauncherRun(env)
        runs.append(run)
        assert run.proc.wait(90) == 1
    said = run.wait_for("users could not start")
    assert f"users: REST port {port} is already in use" in said
    assert "set USER_SERVICE_PORT to a free port" in said
    assert "Traceback" not in said + run.stdout
    assert "shop is ready" not in said
