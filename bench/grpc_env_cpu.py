"""CPU and context switches per unary gRPC call under variants of grpc's settings.

`uv run python -m bench.grpc_env_cpu [N] [--rounds R] [--concurrency C] [--variants FILE]`:
each variant is a pair of processes started with its environment (so GRPC_EXPERIMENTS,
GRPC_POLL_STRATEGY ... are read before grpc is imported): a server through
`start_grpc_server` + `translate_errors` answering a canned ValidateUser, and a client
calling it through `open_channel`, as our services do. A variant may also add server
options and channel options (appended to ours). Every pair stays up for the whole run;
each round runs every variant once, in a rotated order, and the figures are medians over
rounds, each process's own getrusage: CPU (user + system, every thread), voluntary and
involuntary context switches, with its threads at the end of the round.

FILE is JSON: {"name": {"env": {...}, "server_options": [[k, v]], "channel_options": [...]}}
(default: VARIANTS below). Each variant's CPU is also given relative to the first one's, as
the median over rounds of the two's ratio in the same round. JSON in bench/results/.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import sys
from pathlib import Path
from typing import Any

import grpc

from bench.cpu import write_call_results

WARMUP = 300
# `import shop` (bench/__init__) sets GRPC_EXPERIMENTS unless it is already set: an empty
# value leaves grpc's own defaults.
VARIANTS: dict[str, dict[str, Any]] = {
    "ours": {},
    "grpc's defaults (EventEngine endpoints)": {"env": {"GRPC_EXPERIMENTS": ""}},
    "ours + GRPC_POLL_STRATEGY=poll": {"env": {"GRPC_POLL_STRATEGY": "poll"}},
    "ours + tcp_rcv_lowat": {
        "env": {"GRPC_EXPERIMENTS": "-event_engine_client,-event_engine_listener,tcp_rcv_lowat"}
    },
    "ours + optimization_target=latency": {
        "server_options": [["grpc.optimization_target", "latency"]],
        "channel_options": [["grpc.optimization_target", "latency"]],
    },
}


def usage() -> str:
    """This process's CPU seconds and context switches so far, every thread (ended ones
    too: /proc's per-thread counts lose those), and its threads now, as a JSON line."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    figures = {"cpu": ru.ru_utime + ru.ru_stime, "sys": ru.ru_stime}
    figures |= {"voluntary": ru.ru_nvcsw, "involuntary": ru.ru_nivcsw}
    return json.dumps(figures | {"threads": len(os.listdir(f"/proc/{os.getpid()}/task"))})


async def _commands(on_count: Any = None) -> None:
    """Answers "usage" lines; a number runs `on_count` then says "done"; "" ends."""
    loop = asyncio.get_running_loop()
    while line := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
        if line == "usage":
            print(usage(), flush=True)
        else:
            await on_count(int(line))
            print("done", flush=True)


def _with_options(factory: Any, extra: list[tuple[str, Any]]) -> Any:
    def create(*args: Any, options: Any = None, **kwargs: Any) -> Any:
        return factory(*args, options=[*(options or ()), *extra], **kwargs)

    return create


async def _serve(extra: list[tuple[str, Any]]) -> None:
    """The server process: prints its target, serves until stdin closes."""
    grpc.aio.server = _with_options(grpc.aio.server, extra)
    from bench.grpc_call_cpu import _start_ours
    from shop.common import grpc_server

    server, target = await _start_ours(grpc_server, "bench")
    print(target, flush=True)
    await _commands()
    await server.stop(0)


async def _call(target: str, extra: list[tuple[str, Any]], in_flight: int) -> None:
    """The client process: on each "<count>" line, `count` calls."""
    grpc.aio.insecure_channel = _with_options(grpc.aio.insecure_channel, extra)
    from bench.grpc_call_cpu import REQUEST_ID, SECRET
    from shop.common.context import set_request_id
    from shop.common.grpc_client import open_channel
    from shop.protos.shop.user.v1 import user_pb2, user_pb2_grpc

    channel = open_channel(target, secret=SECRET, service="bench", peer="users")
    stub = user_pb2_grpc.UserServiceStub(channel).ValidateUser
    request = user_pb2.ValidateUserRequest(user_id="u-0123456789", address_id="a-0123456789")
    set_request_id(REQUEST_ID)

    async def calls(count: int) -> None:
        left = iter(range(count))

        async def worker() -> None:
            for _ in left:
                await stub(request, timeout=10)

        await asyncio.gather(*(worker() for _ in range(in_flight)))

    await _commands(calls)
    await channel.close()


async def _start(name: str, spec: dict[str, Any], in_flight: int) -> dict[str, Any]:
    env = os.environ | spec.get("env", {})
    pipes = {"stdin": asyncio.subprocess.PIPE, "stdout": asyncio.subprocess.PIPE, "env": env}
    mode = [sys.executable, "-m", "bench.grpc_env_cpu"]
    options = json.dumps(spec.get("server_options", []))
    server = await asyncio.create_subprocess_exec(*mode, "--serve", options, **pipes)
    assert server.stdout is not None
    target = (await server.stdout.readline()).decode().strip()
    options = json.dumps(spec.get("channel_options", []))
    client = await asyncio.create_subprocess_exec(
        *mode, "--call", target, options, str(in_flight), **pipes
    )
    return {"name": name, "server": server, "client": client}


async def _ask(process: Any, line: str) -> bytes:
    process.stdin.write(f"{line}\n".encode())
    return bytes(await process.stdout.readline())


async def _usage(pair: dict[str, Any]) -> dict[str, dict[str, float]]:
    return {side: json.loads(await _ask(pair[side], "usage")) for side in ("server", "client")}


async def _measure(
    variants: dict[str, dict[str, Any]], count: int, rounds: int, in_flight: int
) -> dict[str, Any]:
    pairs = [await _start(name, spec, in_flight) for name, spec in variants.items()]
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    try:
        for turn in range(rounds):
            shift = turn % len(pairs)
            for pair in pairs[shift:] + pairs[:shift]:
                await _ask(pair["client"], str(WARMUP))
                before = await _usage(pair)
                assert (await _ask(pair["client"], str(count))).strip() == b"done"
                after = await _usage(pair)
                sample = {}
                for side in after:
                    for key, value in after[side].items():
                        per_call = key != "threads"
                        delta = (value - before[side][key]) / count if per_call else value
                        sample[f"{side} {key}"] = delta * (1e6 if key in ("cpu", "sys") else 1)
                samples[pair["name"]].append(sample)
    finally:
        for pair in pairs:
            for side in ("client", "server"):
                pair[side].stdin.write(b"\n")
                await pair[side].wait()
    first = samples[next(iter(variants))]
    result: dict[str, Any] = {}
    for name, rows in samples.items():
        result[name] = {key: round(statistics.median(s[key] for s in rows), 2) for key in rows[0]}
        for side in ("server", "client"):
            ratios = [s[f"{side} cpu"] / f[f"{side} cpu"] for s, f in zip(rows, first, strict=True)]
            result[name][f"{side} cpu vs first"] = round(statistics.median(ratios) - 1, 3)
            result[name][f"{side} cpu rounds"] = [round(s[f"{side} cpu"], 1) for s in rows]
    return result


def _option(args: list[str], name: str, default: str) -> str:
    return args[args.index(name) + 1] if name in args else default


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] in ("--serve", "--call"):
        import uvloop

        from shop.common.logging import configure_logging

        configure_logging(service="bench", level="WARNING")
        if args[0] == "--serve":
            uvloop.run(_serve([tuple(o) for o in json.loads(args[1])]))
        else:
            uvloop.run(_call(args[1], [tuple(o) for o in json.loads(args[2])], int(args[3])))
        return
    count = int(next((a for a in args if a.isdigit()), "2000"))
    rounds = int(_option(args, "--rounds", "15"))
    in_flight = int(_option(args, "--concurrency", "16"))
    path = _option(args, "--variants", "")
    variants = json.loads(Path(path).read_text()) if path else VARIANTS
    result = asyncio.run(_measure(variants, count, rounds, in_flight))
    print(f"{'variant':<40} server us (sys) vs 1st vol/invol thr | client (same columns)")
    for name, f in result.items():
        sides = [
            f"{f[f'{s} cpu']:6.1f} ({f[f'{s} sys']:5.1f}) {f[f'{s} cpu vs first']:+6.1%}"
            f" {f[f'{s} voluntary']:4.1f}/{f[f'{s} involuntary']:3.1f} {f[f'{s} threads']:3.0f}"
            for s in ("server", "client")
        ]
        print(f"{name[:40]:<40} {sides[0]} | {sides[1]}")
    figures = {"variants": variants, **result}
    write_call_results(
        "grpc-env-cpu", calls=count, rounds=rounds, in_flight=in_flight, figures=figures
    )


if __name__ == "__main__":
    main()
