"""Child processes of the platform: start, wait until ready, kill, stop."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from shop.launcher.output import ChildOutput
from shop.launcher.specs import SERVICES, START_ORDER, service_of


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


class Supervisor:
    """Owns the child processes; every method is safe to call in any order.

    Each child's output goes to `log_dir/<name>.log` when a log folder is given (tests),
    else through the launcher, which echoes it and keeps its last lines.
    """

    def __init__(self, env: Mapping[str, str], *, log_dir: Path | None = None) -> None:
        self.env = dict(env)
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: dict[str, IO[bytes]] = {}
        self.output = ChildOutput()

    def start(
        self,
        name: str,
        extra_env: Mapping[str, str] | None = None,
        *,
        wait: bool = True,
        timeout: float = 60.0,
    ) -> None:
        spec = SERVICES[service_of(name)]
        env = {**self.env, **(extra_env or {})}
        stdout: IO[bytes] | int = subprocess.PIPE
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            stdout = self._logs.get(name) or open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115
            self._logs[name] = stdout
        self.procs[name] = proc = subprocess.Popen(
            [sys.executable, "-m", spec.module],
            env=env,
            stdout=stdout,
            stderr=subprocess.STDOUT,
        )
        if stdout == subprocess.PIPE:
            self.output.attach(name, proc)
        if wait:
            self.wait_ready(name, env=env, timeout=timeout)

    def wait_ready(
        self, name: str, *, env: Mapping[str, str] | None = None, timeout: float = 60.0
    ) -> None:
        spec, env = SERVICES[service_of(name)], env or self.env
        rest, grpc = spec.rest_port(env), spec.grpc_port(env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self.procs.get(name)
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode} during start-up")
            if rest is None:
                time.sleep(0.5)
                if proc is not None and proc.poll() is None:
                    return
                continue
            if _healthy(rest) and (grpc is None or _port_open(grpc)):
                return
            time.sleep(0.1)
        raise TimeoutError(f"{name} not ready after {timeout}s")

    def kill(self, name: str) -> None:
        """SIGKILL: the process gets no chance to clean up, as in a crash."""
        proc = self.procs.pop(name, None)
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def stop(self, name: str, timeout: float = 15.0) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def start_all(self) -> None:
        for name in START_ORDER:
            self.start(name)

    def stop_all(self) -> None:
        # Replicas ("orders-2") too: every process, in reverse start order.
        def rank(name: str) -> tuple[int, str]:
            return START_ORDER.index(service_of(name)), name

        for name in sorted(self.procs, key=rank, reverse=True):
            self.stop(name)
        for log in self._logs.values():
            log.close()
        self._logs.clear()
        self.output.drain()

    def last_lines(self, name: str, count: int = 10) -> list[str]:
        """What `name` said last: why it stopped, usually."""
        if self.log_dir is None:
            proc = self.procs.get(name)
            exited = proc is None or proc.poll() is not None
            return self.output.last_lines(name, count, exited=exited)
        path = self.log_dir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return text.rstrip().splitlines()[-count:]

    def exit_code(self, name: str) -> int | None:
        proc = self.procs.get(name)
        return None if proc is None else proc.poll()

    def first_exited(self) -> str | None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                return name
        return None
