"""`python -m shop.launcher` (what `make run` runs) as a real process on free ports."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from tests.support.ports import free_port

PORT_VARIABLES = (
    "GATEWAY_PORT",
    "GATEWAY_METRICS_PORT",
    "USER_SERVICE_PORT",
    "PRODUCT_SERVICE_PORT",
    "ORDER_SERVICE_PORT",
    "NOTIFICATION_PORT",
    "USER_SERVICE_GRPC_PORT",
    "PRODUCT_SERVICE_GRPC_PORT",
    "ORDER_SERVICE_GRPC_PORT",
)


def launcher_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """`make run`'s env on free ports (every port variable set), SQLite under `data_dir`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHOP_", "MONGODB", "PYTEST_", "ADMIN_", "LOG_", "DEMO_"))
        and not k.endswith(("_URI", "_URL", "_PORT", "_GRPC"))
    }
    env.update({name: str(free_port()) for name in PORT_VARIABLES})
    for name, prefix in (("USER", "USER"), ("PRODUCT", "PRODUCT"), ("ORDER", "ORDER")):
        env[f"{name}_SERVICE_URL"] = f"http://127.0.0.1:{env[f'{prefix}_SERVICE_PORT']}"
        env[f"{name}_SERVICE_GRPC"] = f"127.0.0.1:{env[f'{prefix}_SERVICE_GRPC_PORT']}"
    env.update(
        {
            "DATA_DIR": str(data_dir),
            "SEED_DEMO_DATA": "1",
            "ADMIN_EMAIL": "admin@shop.local",
            "ADMIN_PASSWORD": "admin-password-123",
            # A closed port: the broker is "down" for the whole run.
            "RABBITMQ_URL": f"amqp://guest:guest@127.0.0.1:{free_port()}/",
        }
    )
    env.update(extra)
    return env


class LauncherRun:
    """The launcher and what it printed so far (stdout: logs; stderr: its own messages)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shop.launcher"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, as a shell gives it
        )
        self._out: list[str] = []
        self._err: list[str] = []
        self._readers = [
            threading.Thread(target=self._collect, args=(stream, sink), daemon=True)
            for stream, sink in ((self.proc.stdout, self._out), (self.proc.stderr, self._err))
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _collect(stream: IO[bytes], sink: list[str]) -> None:
        with stream:
            for line in stream:
                sink.append(line.decode(errors="replace"))

    @property
    def stdout(self) -> str:
        return "".join(self._out)

    @property
    def stderr(self) -> str:
        return "".join(self._err)

    def wait_for(self, text: str, timeout: float = 120.0, *, times: int = 1) -> str:
        """Waits until the launcher's own output (stderr) holds `text` `times` times."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.stderr.count(text) >= times:
                return self.stderr
            if self.proc.poll() is not None:
                time.sleep(0.5)  # let the readers catch the last lines
                break
            time.sleep(0.2)
        assert text in self.stderr, (
            f"no {text!r} in:\n{self.stderr}\n--- logs ---\n{self.stdout[-3000:]}"
        )
        return self.stderr

    def children(self) -> dict[str, int]:
        """The launcher's child processes by service name (read from /proc)."""
        found: dict[str, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"PPid:\t{self.proc.pid}\n" in status and b"-m" in cmdline:
                module = cmdline[cmdline.index(b"-m") + 1].decode()
                found[module.removeprefix("shop.")] = int(entry.name)
        return found

    def interrupt(self, timeout: float = 60.0) -> int:
        """Ctrl-C as a terminal sends it (to the launcher and its children); its exit code."""
        os.killpg(self.proc.pid, signal.SIGINT)
        return self.proc.wait(timeout)

    def close(self) -> None:
        children = self.children()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pid in children.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for reader in self._readers:
            reader.join(10)
