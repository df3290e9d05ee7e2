"""CPU per unary gRPC call: what our plumbing adds to grpc.aio, server side and client side.

`uv run python -m bench.grpc_call_cpu [N] [--rounds R] [--concurrency C] [--baseline SRC]
[--profile server|client]`: one process serves a servicer that answers ValidateUser with a
canned reply (no store, so the figures are the plumbing's) on a bare grpc.aio server with
the method undecorated ("raw") and through `start_grpc_server` with `translate_errors`
("ours": secret check, request id, metrics, log line). A client in another process calls
either through a bare grpc.aio channel passing the secret and a request id as a ready tuple
("raw") or through `open_channel` with metrics on, as the order service calls its peers
("ours"). A health Check on our server is the floor of a call through it.

Per call: the server's process_time between the client's "go" and "done", and the client's
own. Each round runs every variant once (starting with another each round); what our
plumbing adds is the median, over rounds, of the difference between two variants of the
same round that differ on one side only: on a shared machine the load moves from second to
second, and a round lasts about one. `--baseline SRC` also loads `shop/common/grpc_server.py`
and `grpc_client.py` from another checkout's `src` (e.g. `git archive main src | tar -x -C
/tmp/main`) into the same two processes, so an old and a new plumbing are compared in the
same rounds. `--profile` prints cProfile's heaviest functions of that side over "ours".
JSON in bench/results/.
"""

from __future__ import annotations

import asyncio
import cProfile
import importlib.util
import io
import json
import pstats
import socket
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
import uvloop
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench.cpu import write_call_results
from shop.common import grpc_client, grpc_server
from shop.common.context import REQUEST_ID_HEADER, set_request_id
from shop.common.logging import configure_logging
from shop.common.security import GATEWAY_SECRET_HEADER
from shop.protos.shop.user.v1 import user_pb2, user_pb2_grpc

SECRET = "bench-grpc-gateway-secret-0123456789"
REQUEST_ID = "0123456789abcdef0123456789abcdef"
WARMUP = 300
# (name, server, client, call); "base" is the --baseline checkout's plumbing.
VARIANTS = (
    ("raw server, raw client", "raw", "raw", "validate"),
    ("our server, raw client", "ours", "raw", "validate"),
    ("our server, our client", "ours", "ours", "validate"),
    ("our server, health Check", "ours", "raw", "health"),
)
BASELINE_VARIANTS = (
    ("baseline server, raw client", "base", "raw", "validate"),
    ("our server, baseline client", "ours", "base", "validate"),
)
# (variant, the variant it differs from on one side only, that side).
ADDED = {
    "server plumbing": ("our server, raw client", "raw server, raw client", "server"),
    "client plumbing": ("our server, our client", "our server, raw client", "client"),
}
BASELINE_ADDED = {
    "baseline server plumbing": ("baseline server, raw client", "raw server, raw client", "server"),
    "baseline client plumbing": ("our server, baseline client", "our server, raw client", "client"),
    "server plumbing, ours - baseline": (
        "our server, raw client",
        "baseline server, raw client",
        "server",
    ),
    "client plumbing, ours - baseline": (
        "our server, our client",
        "our server, baseline client",
        "client",
    ),
}
_REPLY = user_pb2.ValidateUserResponse(
    valid=True,
    user=user_pb2.User(id="u-0123456789", email="bench@example.com", name="Bench", role="customer"),
    address=user_pb2.Address(
        id="a-0123456789", line1="1 Bench Way", city="Benchville", postal_code="1", country="US"
    ),
)


class _Canned(user_pb2_grpc.UserServiceServicer):
    """Only ValidateUser is called."""

    async def GetUser(self, request: Any, context: Any) -> Any:
        raise NotImplementedError

    async def GetUserAddresses(self, request: Any, context: Any) -> Any:
        raise NotImplementedError

    async def ValidateUsers(self, request: Any, context: Any) -> Any:
        raise NotImplementedError


class RawServicer(_Canned):
    async def ValidateUser(self, request: Any, context: Any) -> user_pb2.ValidateUserResponse:
        return _REPLY


def decorated_servicer(server_module: Any, service: str) -> user_pb2_grpc.UserServiceServicer:
    """The canned servicer with its method wrapped by that module's translate_errors."""

    class Servicer(_Canned):
        @server_module.translate_errors(service)  # type: ignore[untyped-decorator]
        async def ValidateUser(self, request: Any, context: Any) -> user_pb2.ValidateUserResponse:
            return _REPLY

    return Servicer()


def baseline_module(src: str, name: str) -> ModuleType:
    """`shop/common/<name>.py` of another checkout, importing the rest from this one."""
    path = Path(src) / "shop" / "common" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"baseline_{name}", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _client(
    targets: dict[str, str], count: int, in_flight: int, profile: bool, baseline: str | None
) -> None:
    """The client process: on each "<server> <client> <call>" line from stdin, WARMUP calls,
    "ready", wait for "go", `count` calls with `in_flight` at a time, then "done <its own CPU
    seconds>"; an empty line ends it."""
    openers = {"ours": grpc_client.open_channel}
    if baseline:
        openers["base"] = baseline_module(baseline, "grpc_client").open_channel
    channels: dict[tuple[str, str], Any] = {
        (server, "raw"): grpc.aio.insecure_channel(target) for server, target in targets.items()
    }
    for kind, open_channel in openers.items():
        for server, target in targets.items():
            channels[server, kind] = open_channel(
                target, secret=SECRET, service=f"bench-{kind}", peer="users"
            )
    metadata = ((GATEWAY_SECRET_HEADER, SECRET), (REQUEST_ID_HEADER, REQUEST_ID))
    validate = user_pb2.ValidateUserRequest(user_id="u-0123456789", address_id="a-0123456789")
    check = health_pb2.HealthCheckRequest(service="")
    # As in the order service, the request id is the context's: our channel sends it.
    set_request_id(REQUEST_ID)
    profiler = cProfile.Profile() if profile else None

    async def calls(server: str, client: str, call: str, total: int) -> None:
        channel = channels[server, client]
        if call == "health":
            stub: Any = health_pb2_grpc.HealthStub(channel).Check
            request: Any = check
        else:
            stub, request = user_pb2_grpc.UserServiceStub(channel).ValidateUser, validate
        options = {"metadata": metadata} if client == "raw" else {}
        left = iter(range(total))

        async def worker() -> None:
            for _ in left:
                await stub(request, timeout=10, **options)

        await asyncio.gather(*(worker() for _ in range(in_flight)))

    loop = asyncio.get_running_loop()
    while line := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
        server, client, call = line.split()
        await calls(server, client, call, WARMUP)
        print("ready", flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)
        profiling = profiler if client == "ours" else None
        cpu = time.process_time()
        if profiling:
            profiling.enable()
        await calls(server, client, call, count)
        if profiling:
            profiling.disable()
        print(f"done {time.process_time() - cpu}", flush=True)
    for channel in channels.values():
        await channel.close()
    if profiler:
        _print_profile(profiler, sys.stderr)


def _print_profile(profiler: cProfile.Profile, out: Any) -> None:
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(30)
    print(text.getvalue(), file=out)


async def _start_ours(server_module: Any, service: str) -> tuple[Any, str]:
    port = free_port()
    servicer = decorated_servicer(server_module, service)
    server = await server_module.start_grpc_server(
        port=port,
        secrets=[SECRET],
        register=lambda s: user_pb2_grpc.add_UserServiceServicer_to_server(servicer, s),
        service_names=["shop.user.v1.UserService"],
        host="127.0.0.1",
    )
    return server, f"127.0.0.1:{port}"


async def _serve_and_measure(
    count: int, rounds: int, in_flight: int, profile: str | None, baseline: str | None
) -> dict[str, Any]:
    raw_port = free_port()
    raw = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
    user_pb2_grpc.add_UserServiceServicer_to_server(RawServicer(), raw)
    raw.add_insecure_port(f"127.0.0.1:{raw_port}")
    await raw.start()
    ours, ours_target = await _start_ours(grpc_server, "bench")
    targets = {"raw": f"127.0.0.1:{raw_port}", "ours": ours_target}
    base = None
    if baseline:
        base, targets["base"] = await _start_ours(
            baseline_module(baseline, "grpc_server"), "bench-baseline"
        )
    profiler = cProfile.Profile() if profile == "server" else None
    try:
        return await _drive(targets, count, rounds, in_flight, profile, profiler, baseline)
    finally:
        for server in (base, ours):
            if server is not None:
                await server.stop(0)
        await raw.stop(0)
        if profiler:
            _print_profile(profiler, sys.stdout)


async def _drive(
    targets: dict[str, str],
    count: int,
    rounds: int,
    in_flight: int,
    profile: str | None,
    profiler: cProfile.Profile | None,
    baseline: str | None,
) -> dict[str, Any]:
    client = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.grpc_call_cpu",
        "--client",
        json.dumps(targets),
        str(count),
        str(in_flight),
        str(int(profile == "client")),
        baseline or "",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert client.stdin is not None and client.stdout is not None
    variants = VARIANTS + (BASELINE_VARIANTS if baseline else ())
    added = ADDED | (BASELINE_ADDED if baseline else {})
    figures: dict[str, dict[str, list[float]]] = {}
    for turn in range(rounds):
        # Each round starts with another variant, so none always follows the same one.
        shift = turn % len(variants)
        for name, server, side, call in variants[shift:] + variants[:shift]:
            client.stdin.write(f"{server} {side} {call}\n".encode())
            assert (await client.stdout.readline()).strip() == b"ready"
            profiling = profiler if server == "ours" and call == "validate" else None
            server_cpu = time.process_time()
            if profiling:
                profiling.enable()
            client.stdin.write(b"go\n")
            done = (await client.stdout.readline()).split()
            if profiling:
                profiling.disable()
            server_cpu = time.process_time() - server_cpu
            per_call = figures.setdefault(name, {"server": [], "client": []})
            per_call["server"].append(server_cpu / count * 1e6)
            per_call["client"].append(float(done[1]) / count * 1e6)
    client.stdin.write(b"\n")
    await client.wait()
    result: dict[str, Any] = {
        name: {side: round(statistics.median(values), 1) for side, values in sides.items()}
        | {f"{side}_rounds": [round(v, 1) for v in values] for side, values in sides.items()}
        for name, sides in figures.items()
    }
    for label, (name, other, side) in added.items():
        pairs = zip(figures[name][side], figures[other][side], strict=True)
        result[label] = round(statistics.median(a - b for a, b in pairs), 1)
    return result


def _option(args: list[str], name: str, default: str | None) -> str | None:
    return args[args.index(name) + 1] if name in args else default


def main() -> None:
    args = sys.argv[1:]
    # WARNING, as `make bench` runs the services: the per-call log line is then filtered.
    configure_logging(service="bench", level="WARNING")
    if args and args[0] == "--client":
        targets, calls, concurrency, profiled, base = args[1:6]
        uvloop.run(
            _client(json.loads(targets), int(calls), int(concurrency), profiled == "1", base)
        )
        return
    count = int(next((a for a in args if a.isdigit()), "1000"))
    rounds = int(_option(args, "--rounds", "21") or 21)
    in_flight = int(_option(args, "--concurrency", "16") or 16)
    profile, baseline = _option(args, "--profile", None), _option(args, "--baseline", None)
    result = uvloop.run(_serve_and_measure(count, rounds, in_flight, profile, baseline))
    for name, *_ in VARIANTS + (BASELINE_VARIANTS if baseline else ()):
        f = result[name]
        print(f"{name:<28} server {f['server']:6.1f} us CPU/call, client {f['client']:6.1f}")
    for label in ADDED | (BASELINE_ADDED if baseline else {}):
        print(f"{label:<33} {result[label]:+6.1f} us CPU/call (median of rounds' differences)")
    figures = {"baseline": baseline, **result}
    write_call_results(
        "grpc-call-cpu", calls=count, rounds=rounds, in_flight=in_flight, figures=figures
    )


if __name__ == "__main__":
    main()
