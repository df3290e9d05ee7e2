"""Stopping: last of the container tests (hence its name), as it ends every container."""

from __future__ import annotations

from tests.containers.conftest import Running, report


def test_sigterm_stops_every_container_cleanly_within_its_grace_period(running: Running) -> None:
    """Last: SIGTERM to all at once, as `docker compose down` and a rollout send it."""
    stopped = running.platform.stop_all()
    report("stopped by SIGTERM: " + ", ".join(f"{n} {s.seconds:.1f} s" for n, s in stopped.items()))
    for name, process in running.platform.processes.items():
        assert name in stopped, f"{name} still running {process.grace_seconds} s after SIGTERM"
        assert stopped[name].exit_code == 0, (name, running.platform.logs(name)[-3000:])
