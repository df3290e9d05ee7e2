"""`python -m shop.launcher` (what `make run` runs): the whole platform in the foreground."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from shop.launcher.specs import SERVICES, START_ORDER
from shop.launcher.supervisor import Supervisor


def main() -> int:
    """Runs the whole platform in the foreground until Ctrl-C or SIGTERM."""
    env = dict(os.environ)
    supervisor = Supervisor(env)
    stopping = False

    def _stop(signum: int, _: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        for name in START_ORDER:
            if stopping:
                break
            supervisor.start(name)
        if not stopping:
            gateway = SERVICES["gateway"].rest_port(env) or 3000
            print(
                f"shop is up: http://127.0.0.1:{gateway} (Ctrl-C stops every process)",
                file=sys.stderr,
                flush=True,
            )
            print(_where_mail_goes(env), file=sys.stderr, flush=True)
        while not stopping:
            exited = supervisor.first_exited()
            if exited is not None:
                print(f"{exited} exited; stopping the platform", file=sys.stderr, flush=True)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        supervisor.stop_all()


def _where_mail_goes(env: dict[str, str]) -> str:
    if env.get("SMTP_URL"):
        return "mail goes out over SMTP_URL"  # not printed: it may hold a password
    mail_dir = Path(env.get("DATA_DIR") or "./var") / "mail"
    return f"mail is written to {mail_dir}/<event id>.eml (open them with any mail client)"


if __name__ == "__main__":
    raise SystemExit(main())
