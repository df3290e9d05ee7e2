"""The gateways compared, each proxying the same upstream: ours under uvicorn (what the
platform runs), ours under granian, the seed's shape rebuilt on Express, and nginx's
proxy_pass as the ceiling (bench.gateway.nginx)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.gateway.nginx import nginx_binary, start_nginx

NODE_DIR = Path(__file__).parents[1] / "node"
GATEWAY_SECRET = "bench-gateway-secret-0123456789"


def ensure_node_baseline() -> str | None:
    """Installs the Express baseline's packages from npm once; None when it cannot."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are needed for the Express baseline (apt-get install nodejs npm)"
    if not (NODE_DIR / "node_modules" / "express").exists():
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            return f"npm install failed: {done.stderr.strip()[-300:]}"
    return None


def start(kind: str, *, port: int, upstream: str, jwt_secret: str) -> subprocess.Popen[bytes]:
    """One gateway process of `kind` (uvicorn, granian, express, nginx) on 127.0.0.1:port."""
    env = {
        **os.environ,
        "GATEWAY_PORT": str(port),
        "GATEWAY_HOST": "127.0.0.1",
        "JWT_SECRET": jwt_secret,
        "GATEWAY_SECRET": GATEWAY_SECRET,
        "USER_SERVICE_URL": upstream,
        "PRODUCT_SERVICE_URL": upstream,
        "ORDER_SERVICE_URL": upstream,
        "RATE_LIMIT_DEFAULT": "100000000/minute",
        "RATE_LIMIT_AUTH": "100000000/minute",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        # Express: the same upstream and secrets, in its production mode.
        "PORT": str(port),
        "UPSTREAM": upstream,
        "NODE_ENV": "production",
    }
    if kind == "nginx":  # its own configuration, not these variables
        proc = start_nginx(nginx_binary() or "nginx", port=port, upstream=upstream)
    else:
        proc = subprocess.Popen(_command(kind, port), env=env, stdout=subprocess.DEVNULL)
    _wait_answering(f"http://127.0.0.1:{port}/products/p1", proc)
    return proc


def _command(kind: str, port: int) -> list[str]:
    if kind == "uvicorn":
        command = [sys.executable, "-m", "shop.gateway"]
    elif kind == "granian":
        command = [sys.executable, "-m", "granian", "--interface", "asgi", "--loop", "uvloop"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        command += [
            "--no-ws",
            "--log-level",
            "warning",
            "--factory",
            "shop.gateway.__main__:create_app",
        ]
    elif kind == "express":
        command = ["node", str(NODE_DIR / "gateway.js")]
    else:
        raise ValueError(kind)
    return command


def _wait_answering(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(150):
        if proc.poll() is not None:
            raise SystemExit(f"{url}: the gateway exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url}: no answer")
