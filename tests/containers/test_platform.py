"""The whole platform in containers of the image, run as compose and Kubernetes run it.

The last test stops every container with SIGTERM, so it stays last in this file.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import re
import socket
import uuid
from typing import Any

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.containers.conftest import Running, report
from tests.containers.deployment import Probe, port_settings, settings_class
from tests.containers.local_env import non_loopback_addresses
from tests.containers.podman import inspect, podman
from tests.support.events import bound_queue, first_matching
from tests.unit.deploy.support import k8s_by_kind

# Beyond compose's: the SQL product store (no MongoDB here) and this run's own queue and
# rate-limit keys on the shared broker and Redis (see local_env.py).
TEST_ONLY_ENV = {"PRODUCT_SQL_URI", "NOTIFICATION_QUEUE", "NOTIFICATION_QUEUE_AUTO_DELETE"}
TEST_ONLY_ENV |= {"RATE_LIMIT_KEY_PREFIX"}
# Run by `podman exec` as the container's user: what the process (found by its command line)
# runs with, and which paths the container lets that user write.
LOCKDOWN_CHECK = """
import json, os, sys
def writable(path):
    try:
        with open(os.path.join(path, ".probe"), "w"):
            pass
        os.remove(os.path.join(path, ".probe"))
        return True
    except OSError:
        return False
command = "\\0".join(json.loads(sys.argv[1])) + "\\0"
(pid,) = [p for p in os.listdir("/proc") if p.isdigit()
          and open(f"/proc/{p}/cmdline").read() == command]
status = dict(line.split(":\\t", 1) for line in open(f"/proc/{pid}/status").read().splitlines())
print(json.dumps({
    "uid": status["Uid"].split(), "gid": status["Gid"].split(),
    "capabilities": [int(status[k], 16) for k in ("CapEff", "CapPrm", "CapBnd", "CapAmb")],
    "no_new_privs": status["NoNewPrivs"].strip(),
    "writable": sorted(p for p in ("/", "/app", "/app/.venv", "/etc", "/tmp", "/data")
                       if writable(p)),
}))
"""


def run_port(running: Running, name: str, container_port: int) -> int:
    """The port this run gave the setting whose default `container_port` is."""
    (env_name,) = (k for k, v in port_settings(name).items() if v == container_port)
    return int(running.platform.envs[name][env_name])


def test_each_container_is_locked_down_as_deployed(running: Running) -> None:
    for name, process in running.platform.processes.items():
        container = running.platform.container(name)
        command = json.dumps(process.command)
        out = podman("exec", container, "python", "-c", LOCKDOWN_CHECK, command).stdout
        seen = json.loads(out)
        # Real, effective, saved and filesystem ids alike.
        assert (seen["uid"], seen["gid"]) == (["10001"] * 4, ["10001"] * 4), name
        # The bounding set too: no capability can be gained back, not even by a setuid file.
        assert seen["capabilities"] == [0, 0, 0, 0] and seen["no_new_privs"] == "1", name
        # Exactly the declared mounts are writable, and nothing of the image.
        assert seen["writable"] == sorted([*process.tmpfs, *process.volumes]), name
        host = inspect("container", container)["HostConfig"]
        assert host["ReadonlyRootfs"] is True and host["NetworkMode"] == "host", name


def test_env_is_the_deployed_one_on_loopback(running: Running) -> None:
    config = set(k8s_by_kind("ConfigMap")["shop-config"]["data"])
    for name, env in running.platform.envs.items():
        process = running.platform.processes[name]
        deployment = k8s_by_kind("Deployment")[name]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        k8s_names = config | {e["name"] for e in container.get("env", [])}
        allowed = set(process.env) | k8s_names | set(port_settings(name)) | TEST_ONLY_ENV
        assert set(env) <= allowed, (name, sorted(set(env) - allowed))
        assert non_loopback_addresses(env) == [], name
        assert env["SHOP_ENV"] == "production", name
        seen = inspect("container", running.platform.container(name))["Config"]["Env"]
        assert {f"{k}={v}" for k, v in env.items()} <= set(seen), name


def test_every_port_setting_is_served(running: Running) -> None:
    for name, env in running.platform.envs.items():
        for env_name in port_settings(name):
            with socket.create_connection(("127.0.0.1", int(env[env_name])), timeout=3):
                pass


def _probe(running: Running, name: str, probe: Probe) -> bool:
    port = run_port(running, name, probe.port)
    if probe.path is not None:
        return httpx.get(f"http://127.0.0.1:{port}{probe.path}", timeout=3).status_code == 200
    # As the kubelet's native gRPC probe: grpc.health.v1 Check, no metadata, no secret.
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=3
        )
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def test_every_kubernetes_probe_passes_against_the_containers(running: Running) -> None:
    probed = 0
    for name, process in running.platform.processes.items():
        for probe in process.probes:
            assert _probe(running, name, probe), (name, probe)
            probed += 1
    assert probed >= 3 * sum(1 for p in running.platform.processes.values() if p.probes)


def test_every_compose_healthcheck_passes_inside_its_container(running: Running) -> None:
    for name, process in running.platform.processes.items():
        if process.healthcheck is None:
            continue
        settings = port_settings(name)
        by_default = {str(default): env_name for env_name, default in settings.items()}
        command = []
        for arg in process.healthcheck:
            # It must check a port the process serves as compose sets it up: then this run's.
            for port in re.findall(r"127\.0\.0\.1:(\d+)", arg):
                env_name = by_default.get(port, "")
                assert env_name and process.env.get(env_name, port) == port, (name, arg)
                arg = arg.replace(f":{port}", f":{running.platform.envs[name][env_name]}")
            command.append(arg)
        result = podman("exec", running.platform.container(name), *command, check=False)
        assert result.returncode == 0, (name, result.stderr)


def mail_is_sent() -> bool:
    """The worker delivers mail (SMTP_URL, else DATA_DIR/mail/<event id>.eml) once it reads
    SMTP_URL, as the contract's notification worker does."""
    return "smtp_url" in settings_class("notifications").model_fields


async def _mail_for(running: Running, event_id: str, within: float = 20) -> email.message.Message:
    container = running.platform.container("notifications")
    path = f"{running.platform.envs['notifications']['DATA_DIR']}/mail/{event_id}.eml"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        found = podman("exec", container, "cat", path, check=False)
        if found.returncode == 0:
            return email.message_from_string(found.stdout, policy=email.policy.default)
        await asyncio.sleep(0.5)
    raise AssertionError(f"no mail {path}:\n{running.platform.logs('notifications')[-3000:]}")


async def test_register_login_order_then_cancel_through_the_containerised_gateway(
    running: Running,
) -> None:
    async with httpx.AsyncClient(base_url=running.gateway, timeout=30) as client:
        await _order_then_cancel(running, client)


async def _login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    login = await client.post("/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['data']['accessToken']}"}


async def _order_then_cancel(running: Running, client: httpx.AsyncClient) -> None:
    shopper, password = f"shopper-{uuid.uuid4().hex[:10]}@example.com", "pa55word!x"
    account = {"email": shopper, "password": password, "name": "Shopper"}
    registered = await client.post("/auth/register", json=account)
    assert registered.status_code == 201, registered.text
    user = await _login(client, shopper, password)
    admin = await _login(client, *running.admin)
    product = await client.post("/products", headers=admin, json=_product())
    assert product.status_code == 201, product.text
    product_id = product.json()["data"]["id"]
    address = await client.post("/users/me/addresses", headers=user, json=_address())
    assert address.status_code == 201, address.text
    body = {
        "items": [{"productId": product_id, "quantity": 2}],
        "shippingAddressId": address.json()["data"]["id"],
        "payment": {"method": "card", "token": "tok_ok"},
    }
    async with bound_queue("order.*") as events:
        placed = await client.post("/orders", headers=user, json=body)
        assert placed.status_code == 201, placed.text
        order = placed.json()["data"]
        assert (order["status"], order["total"]) == ("CONFIRMED", 2 * 1250)
        created = await _event(events, "order.created", order["id"])
        if mail_is_sent():
            mail = await _mail_for(running, created["id"])
            assert mail["Message-ID"] == f"<{created['id']}@shop>"
            assert mail["X-Shop-Event-Id"] == created["id"] and shopper in mail["To"]
        cancelled = await client.post(f"/orders/{order['id']}/cancel", headers=user)
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["data"]["status"] == "CANCELLED"
        await _event(events, "order.cancelled", order["id"])
    stock = (await client.get(f"/products/{product_id}")).json()["data"]["stock"]
    assert stock == 5, "cancelling returned the stock"


async def _event(events: Any, kind: str, order_id: str) -> dict[str, Any]:
    found = await first_matching(
        events, lambda e: e["type"] == kind and e["data"].get("orderId") == order_id, within=20
    )
    assert found is not None, f"no {kind} event for order {order_id}"
    return found[0]


def _product() -> dict[str, Any]:
    sku = f"CT-{uuid.uuid4().hex[:12]}"
    return {"name": "Container test mug", "price": 1250, "category": "ct", "sku": sku, "stock": 5}


def _address() -> dict[str, Any]:
    return {"line1": "1 Image Road", "city": "Podville", "postalCode": "10001", "country": "US"}


def test_sigterm_stops_every_container_cleanly_within_its_grace_period(running: Running) -> None:
    """Last: SIGTERM to all at once, as `docker compose down` and a rollout send it."""
    stopped = running.platform.stop_all()
    report("stopped by SIGTERM: " + ", ".join(f"{n} {s.seconds:.1f} s" for n, s in stopped.items()))
    for name, process in running.platform.processes.items():
        assert name in stopped, f"{name} still running {process.grace_seconds} s after SIGTERM"
        assert stopped[name].exit_code == 0, (name, running.platform.logs(name)[-3000:])
