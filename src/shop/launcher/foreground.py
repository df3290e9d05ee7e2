"""The platform in the foreground: start in order, restart what crashes, stop on Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Mapping

from shop.common.logging import log_format, use_colors
from shop.launcher.banner import banner
from shop.launcher.demo_data import seed_demo_shopper
from shop.launcher.restarts import RestartPolicy
from shop.launcher.specs import launch_plan
from shop.launcher.supervisor import Supervisor

_PREFIX = f"{'launcher':<14} "


def say(message: str) -> None:
    """A line for the person at the terminal (stderr, so stdout stays logs only)."""
    indent = "\n" + " " * len(_PREFIX)
    print(_PREFIX + message.replace("\n", indent), file=sys.stderr, flush=True)


def child_env(parent: Mapping[str, str]) -> dict[str, str]:
    """The children write into our pipe, not the terminal: we decide their log format."""
    env = dict(parent)
    env["LOG_FORMAT"] = log_format()
    if env["LOG_FORMAT"] == "console" and use_colors():
        env.setdefault("FORCE_COLOR", "1")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def why_it_stopped(supervisor: Supervisor, name: str) -> str:
    """A process's one-sentence error when it gave one, else its last lines."""
    lines = supervisor.last_lines(name, 12)
    if lines and lines[-1].startswith(f"{name}: "):
        return lines[-1]
    return "its last lines:\n  " + "\n  ".join(lines) if lines else "it wrote nothing"


class Foreground:
    """Runs until Ctrl-C/SIGTERM (exit 0) or a process that cannot be kept up (exit 1)."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        policy: RestartPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # Raises ValueError for a REPLICAS value it cannot read.
        shared, self.plan = launch_plan(env)
        self.ports = dict(self.plan)
        self.env = child_env(shared)
        self.supervisor = Supervisor(self.env)
        self.policy = policy or RestartPolicy()
        self.clock = clock
        self.stopping = False

    def _stop(self, signum: int, _: object) -> None:
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        try:
            if not self._start_all():
                return 0 if self.stopping else 1
            shopper = None
            if self.env.get("SEED_DEMO_DATA") in ("1", "true") and not self.stopping:
                shopper = seed_demo_shopper(self.env, say=say)
            if not self.stopping:
                print(banner(self.env, shopper=shopper), file=sys.stderr, flush=True)
            return self._supervise()
        finally:
            if self.stopping:
                say("stopping every process")
            self.supervisor.stop_all()
            if self.stopping:
                say("stopped")

    def _start_all(self) -> bool:
        for name, ports in self.plan:
            if self.stopping:
                return False
            try:
                self.supervisor.start(name, ports)
            except (RuntimeError, TimeoutError) as exc:
                if self.stopping:
                    return False
                self.supervisor.stop(name)
                say(f"{name} could not start ({exc}); {why_it_stopped(self.supervisor, name)}")
                return False
        return True

    def _supervise(self) -> int:
        while not self.stopping:
            name = self.supervisor.first_exited()
            if name is None:
                time.sleep(0.25)
                continue
            # Ctrl-C reaches the children too: one may exit a moment before our handler runs.
            time.sleep(0.3)
            if self.stopping:
                break
            if not self._restart(name):
                return 1
        return 0

    def _restart(self, name: str) -> bool:
        code = self.supervisor.exit_code(name)
        delay = self.policy.delay_after_crash(name, self.clock())
        if delay is None:
            crashes = self.policy.crashes_in_window(name)
            window = round(self.policy.window_seconds)
            say(
                f"{name} exited {crashes} times within {window} s (last exit code {code}); "
                f"stopping the platform. {why_it_stopped(self.supervisor, name)}"
            )
            return False
        say(f"{name} exited unexpectedly (exit code {code}); restarting it in {delay:g} s")
        deadline = self.clock() + delay
        while self.clock() < deadline and not self.stopping:
            time.sleep(0.1)
        if self.stopping:
            return True
        try:
            self.supervisor.start(name, self.ports.get(name))
        except (RuntimeError, TimeoutError):
            return True  # it exited again: the next round counts it
        say(f"{name} is back")
        return True


def main() -> int:
    """Runs the whole platform in the foreground until Ctrl-C or SIGTERM."""
    try:
        foreground = Foreground(dict(os.environ))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    return foreground.run()
