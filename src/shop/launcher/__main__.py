"""`python -m shop.launcher` (what `make run` runs): the whole platform in the foreground."""

from __future__ import annotations

import os
import signal
import sys
import time

from shop.launcher.specs import SERVICES, launch_plan
from shop.launcher.supervisor import Supervisor


def main() -> int:
    """Runs the whole platform in the foreground until Ctrl-C or SIGTERM."""
    try:
        env, plan = launch_plan(os.environ)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    supervisor = Supervisor(env)
    stopping = False

    def _stop(signum: int, _: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        for name, ports in plan:
            if stopping:
                break
            supervisor.start(name, ports)
        if not stopping:
            gateway = SERVICES["gateway"].rest_port(env) or 3000
            print(
                f"shop is up: http://127.0.0.1:{gateway} (Ctrl-C stops every process)",
                file=sys.stderr,
                flush=True,
            )
        while not stopping:
            exited = supervisor.first_exited()
            if exited is not None:
                print(f"{exited} exited; stopping the platform", file=sys.stderr, flush=True)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        supervisor.stop_all()


if __name__ == "__main__":
    raise SystemExit(main())
