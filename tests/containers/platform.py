"""The platform as containers of one image, started and stopped as compose would."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from shop.launcher.specs import SERVICES
from tests.containers.deployment import Deployed
from tests.containers.podman import inspect, podman


@dataclass(frozen=True)
class Stopped:
    exit_code: int
    seconds: float  # from SIGTERM until it was seen to have exited


def run_flags(process: Deployed, volumes: Mapping[str, str]) -> list[str]:
    """podman's spelling of the process's deployed settings (volumes: path -> volume name)."""
    flags = ["--user", process.user, f"--stop-timeout={int(process.grace_seconds)}"]
    if process.read_only:
        # Only the mounts compose and the manifests declare are writable: podman would
        # otherwise add tmpfs on /tmp, /run and /var/tmp by itself.
        flags += ["--read-only", "--read-only-tmpfs=false"]
    # As Docker mounts compose's `tmpfs:` (no copy of the image's files into it); the mount
    # takes the mode of the image's directory, with root as its owner.
    for path, size in process.tmpfs.items():
        options = "rw,noexec,nosuid,nodev,notmpcopyup" + (f",size={size}" if size else "")
        flags += [f"--tmpfs={path}:{options}"]
    flags += [f"--volume={volumes[path]}:{path}" for path in process.volumes]
    flags += [f"--cap-drop={cap}" for cap in process.cap_drop]
    if process.no_new_privileges:
        flags += ["--security-opt=no-new-privileges"]
    if process.init:
        flags += ["--init"]
    flags += [f"--memory={process.memory_limit}", f"--cpus={process.cpu_limit}"]
    return flags


class ContainerPlatform:
    """Every process of the platform as a container on host networking."""

    def __init__(self, *, image: str, run_id: str, processes: Mapping[str, Deployed]) -> None:
        self.image = image
        self.run_id = run_id
        self.processes = dict(processes)
        self.envs: dict[str, dict[str, str]] = {}
        self.volumes: list[str] = []

    def container(self, name: str) -> str:
        return f"shop-containers-{self.run_id}-{name}"

    def start(self, name: str, env: Mapping[str, str]) -> None:
        process = self.processes[name]
        volumes = {}
        for path in process.volumes:
            volume = f"{self.container(name)}-{path.strip('/').replace('/', '-')}"
            podman("volume", "create", volume)
            self.volumes.append(volume)
            volumes[path] = volume
        self.envs[name] = dict(env)
        podman(
            "run",
            "--detach",
            f"--name={self.container(name)}",
            "--network=host",
            f"--label=shop.containers-test={self.run_id}",
            *run_flags(process, volumes),
            *(f"--env={key}" for key in env),
            self.image,
            *process.command,
            env=env,
        )

    def rest_url(self, name: str) -> str:
        port = SERVICES[name].rest_port(self.envs[name])
        assert port is not None, f"{name} serves no REST port"
        return f"http://127.0.0.1:{port}"

    def state(self, name: str) -> dict[str, object]:
        state: dict[str, object] = inspect("container", self.container(name))["State"]
        return state

    def logs(self, name: str) -> str:
        result = podman("logs", self.container(name), check=False)
        return result.stdout + result.stderr

    def wait_until_serving(self, name: str, timeout: float = 90) -> None:
        """Until GET /health answers 200 (the worker serves no port: until it runs)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state(name)
            if state["Status"] != "running":
                raise AssertionError(f"{name} exited ({state['ExitCode']}):\n{self.logs(name)}")
            if SERVICES[name].rest_port(self.envs[name]) is None:
                return
            try:
                if httpx.get(f"{self.rest_url(name)}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"{name} not serving after {timeout} s:\n{self.logs(name)[-4000:]}")

    def stop_all(self) -> dict[str, Stopped]:
        """SIGTERM to every container at once; waits for each up to its grace period."""
        names = list(self.envs)
        sent = time.monotonic()
        podman("kill", "--signal=TERM", *(self.container(name) for name in names))
        stopped = {}
        for name in names:
            left = self.processes[name].grace_seconds - (time.monotonic() - sent)
            try:
                done = podman("wait", self.container(name), timeout=max(left, 0.1))
            except subprocess.TimeoutExpired:
                continue  # still running past its grace period: absent from the result
            # An upper bound for all but the first: each may have exited while waiting on another.
            stopped[name] = Stopped(int(done.stdout.strip()), time.monotonic() - sent)
        return stopped

    def remove_all(self) -> None:
        if self.envs:
            names = [self.container(name) for name in self.envs]
            podman("rm", "--force", "--time=0", *names, check=False)
        if self.volumes:
            podman("volume", "rm", "--force", *self.volumes, check=False)
