"""CPU per UserService.ValidateUser call in the user service's gRPC server.

`uv run python -m bench.users_validate_cpu [N] [--rounds R] [--concurrency C] [--profile]`: the real
servicer (bootstrap.build, rpc.start_grpc) on a fresh MariaDB database, one user with an
address, called by a client in another process through a grpc.aio channel with the gateway
secret, as the order service calls it before each order (user id and address id). The
server's process_time between the client's "go" and "done" is the service's cost alone;
the client's own CPU is printed beside it, and a health Check (no servicer, no database)
gives the floor of a grpc.aio call. Medians of R rounds; JSON in bench/results/.
`--profile` runs the server's ValidateUser rounds under cProfile (inflating their figures)
and prints its heaviest functions by own time.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import socket
import statistics
import sys
import time
from typing import Any

from argon2 import PasswordHasher
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tests.support.databases import create_mysql_database, drop_mysql_database

from bench.cpu import cpu_seconds, pids_named, write_call_results
from shop.common.grpc_client import open_channel
from shop.common.logging import configure_logging
from shop.protos.shop.user.v1 import user_pb2, user_pb2_grpc
from shop.users import registration, service
from shop.users.bootstrap import build
from shop.users.passwords import Passwords
from shop.users.rpc import start_grpc
from shop.users.settings import UserSettings
from shop.users.store import migrate

SECRET = "bench-users-gateway-secret-0123456789"
WARMUP = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _client(target: str, user_id: str, address_id: str, count: int, in_flight: int) -> None:
    """The client process: on each "<kind>" line from stdin, WARMUP calls, "ready", wait
    for "go", `count` calls with `in_flight` at a time, then "done <its own CPU seconds>"."""
    channel = open_channel(target, secret=SECRET)
    users = user_pb2_grpc.UserServiceStub(channel)
    health = health_pb2_grpc.HealthStub(channel)
    validate = user_pb2.ValidateUserRequest(user_id=user_id, address_id=address_id)
    check = health_pb2.HealthCheckRequest(service="")

    async def one(kind: str) -> None:
        if kind == "validate":
            reply = await users.ValidateUser(validate, timeout=10)
            assert reply.valid and reply.address.id == address_id, reply
        else:
            await health.Check(check, timeout=10)

    async def calls(kind: str, total: int) -> None:
        left = iter(range(total))

        async def worker() -> None:
            for _ in left:
                await one(kind)

        await asyncio.gather(*(worker() for _ in range(in_flight)))

    loop = asyncio.get_running_loop()
    lines = sys.stdin
    while kind := (await loop.run_in_executor(None, lines.readline)).strip():
        await calls(kind, WARMUP)
        print("ready", flush=True)
        await loop.run_in_executor(None, lines.readline)
        cpu = time.process_time()
        await calls(kind, count)
        print(f"done {time.process_time() - cpu}", flush=True)
    await channel.close()


async def _serve_and_measure(
    count: int, rounds: int, in_flight: int, profiler: cProfile.Profile | None
) -> dict[str, Any]:
    name, url = create_mysql_database("bench_users")
    try:
        await migrate(url)
        settings = UserSettings(
            shop_env="test",
            mysql_uri=url,
            jwt_secret="bench-users-jwt-secret-0123456789abcdef",
            gateway_secret=SECRET,
            rabbitmq_url=None,
            admin_email=None,
            admin_password=None,
        )
        ctx = build(settings, passwords=Passwords(PasswordHasher(time_cost=1, memory_cost=1024)))
        user = await registration.register(
            uow=ctx.uow(),
            passwords=ctx.passwords,
            email="bench-validate@example.com",
            password="bench password 1",
            name="Bench Shopper",
        )
        fields = {"line1": "1 Bench Way", "city": "Benchville", "postal_code": "1", "country": "US"}
        address = await service.add_address(uow=ctx.uow(), user_id=user.id, fields=fields)
        port = free_port()
        server = await start_grpc(ctx, port=port, host="127.0.0.1")
        try:
            target = f"127.0.0.1:{port}"
            return await _drive(target, user.id, address.id, count, rounds, in_flight, profiler)
        finally:
            await server.stop(0)
            await ctx.aclose()
    finally:
        drop_mysql_database(name)


async def _drive(
    target: str,
    user_id: str,
    address_id: str,
    count: int,
    rounds: int,
    in_flight: int,
    profiler: cProfile.Profile | None,
) -> dict[str, Any]:
    client = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.users_validate_cpu",
        "--client",
        target,
        user_id,
        address_id,
        str(count),
        str(in_flight),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert client.stdin is not None and client.stdout is not None
    mariadb = pids_named("mariadbd") or pids_named("mysqld")
    figures: dict[str, dict[str, list[float]]] = {}
    for _ in range(rounds):
        for kind in ("validate", "health"):
            client.stdin.write(f"{kind}\n".encode())
            assert (await client.stdout.readline()).strip() == b"ready"
            server_cpu, db_cpu = time.process_time(), sum(map(cpu_seconds, mariadb))
            profiling = profiler if kind == "validate" else None
            if profiling:
                profiling.enable()
            client.stdin.write(b"go\n")
            done = (await client.stdout.readline()).split()
            if profiling:
                profiling.disable()
            server_cpu = time.process_time() - server_cpu
            db_cpu = sum(map(cpu_seconds, mariadb)) - db_cpu
            per_call = figures.setdefault(kind, {"server": [], "client": [], "mariadb": []})
            per_call["server"].append(server_cpu / count * 1e6)
            per_call["client"].append(float(done[1]) / count * 1e6)
            per_call["mariadb"].append(db_cpu / count * 1e6)
    client.stdin.write(b"\n")
    await client.wait()
    return {
        kind: {side: round(statistics.median(values), 1) for side, values in sides.items()}
        | {"server_rounds": [round(v, 1) for v in sides["server"]]}
        for kind, sides in figures.items()
    }


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "--client":
        target, user_id, address_id, calls, concurrency = args[1:6]
        asyncio.run(_client(target, user_id, address_id, int(calls), int(concurrency)))
        return
    count = int(next((a for a in args if a.isdigit()), "2000"))
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 5
    in_flight = int(args[args.index("--concurrency") + 1]) if "--concurrency" in args else 16
    # WARNING, as `make bench` runs the services: the per-call log line is then filtered.
    configure_logging(service="users", level="WARNING")
    profiler = cProfile.Profile() if "--profile" in args else None
    result = asyncio.run(_serve_and_measure(count, rounds, in_flight, profiler))
    for kind, label in (("validate", "ValidateUser"), ("health", "health Check (floor)")):
        f = result[kind]
        print(
            f"{label:<22} server {f['server']:7.1f} us CPU/call  (rounds {f['server_rounds']}), "
            f"client {f['client']:6.1f}, mariadbd {f['mariadb']:6.1f} (whole server, shared)"
        )
    write_call_results(
        "users-validate-cpu", calls=count, rounds=rounds, in_flight=in_flight, figures=result
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
