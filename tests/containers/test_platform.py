"""The platform in containers of the image, set up as compose and Kubernetes set it up.

What runs where and how: ids, capabilities, mounts, env, ports, probes and health checks.
"""

from __future__ import annotations

import json
import re
import socket

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.containers.conftest import Running
from tests.containers.deployment import Probe, port_settings
from tests.containers.local_env import non_loopback_addresses
from tests.containers.podman import inspect, podman
from tests.support.deploy_files import k8s_by_kind

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
