"""`import shop` turns off grpc's EventEngine TCP client and listener before grpc loads
(see src/shop/__init__.py): the names must stay known to grpc, and take effect."""

from __future__ import annotations

import os
import subprocess
import sys

# One health Check over TCP in a fresh process that imports shop, then grpc, as ours do.
_ONE_CALL = """
import asyncio, shop, grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio

async def main():
    server = grpc.aio.server()
    health_pb2_grpc.add_HealthServicer_to_server(aio.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    await server.stop(0)

asyncio.run(main())
"""


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GRPC_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_calls_go_through_iomgr_endpoints_and_grpc_knows_the_experiments() -> None:
    # The tcp tracer names the source file of each endpoint operation it logs.
    done = _run(_ONE_CALL, GRPC_VERBOSITY="debug", GRPC_TRACE="tcp")
    assert "Unknown experiment" not in done.stderr
    assert "tcp_posix.cc" in done.stderr, "grpc changed: re-measure with bench.grpc_env_cpu"
    assert "posix_endpoint.cc" not in done.stderr


def test_an_operators_value_is_kept() -> None:
    code = "import os, shop; print(os.environ['GRPC_EXPERIMENTS'])"
    assert _run(code, GRPC_EXPERIMENTS="tcp_rcv_lowat").stdout.strip() == "tcp_rcv_lowat"
