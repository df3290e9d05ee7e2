"""nginx's proxy_pass as the gateway benchmark's ceiling: a C proxy with keep-alive to the
same upstream, one worker process like our one gateway process. It verifies no JWT and
rewrites no header, so it is the limit of proxying on this machine, not a rival gateway:
what share of it ours reaches says how much any proxy could still gain here."""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.system_packages import find_or_install

_CONFIG = """\
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    upstream service {{ server {upstream}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://service;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


def nginx_binary() -> str | None:
    """nginx (on PATH or in /usr/sbin, where Debian puts it and a user's PATH may not
    reach), installed from the system packages when we may; None when there is none."""
    return find_or_install("nginx", "nginx", also_in="/usr/sbin")


def start_nginx(binary: str, *, port: int, upstream: str) -> subprocess.Popen[bytes]:
    """nginx in the foreground (its master and one worker), configured in a folder of its
    own that goes with it; `upstream` is http://host:port."""
    run = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    atexit.register(shutil.rmtree, run, ignore_errors=True)
    config = run / "nginx.conf"
    address = upstream.removeprefix("http://").rstrip("/")
    config.write_text(_CONFIG.format(run=run, upstream=address, port=port))
    return subprocess.Popen(
        [binary, "-c", str(config), "-p", str(run), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
    )
