"""Faults at random moments drawn from one seed: kill -9 and restart, cut links, stall a peer."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass

from tests.chaos.platform import ChaosPlatform

PROCESSES = ("gateway", "users", "products", "orders", "notifications")
# How long after a fault ends its effects may still show (breakers reset, pools reconnect).
AFTERMATH_SECONDS = 15.0


@dataclass
class Fault:
    kind: str  # kill, cut-broker, cut-db, stall-grpc
    target: str
    at: float  # planned start, seconds into the run
    hold: float = 0.0  # how long a link stays cut or stalled
    started: float | None = None
    ended: float | None = None
    note: str = ""

    def explains(self, moment: float) -> bool:
        """Whether a client-visible error at `moment` falls in this fault's window."""
        if self.started is None:
            return False
        end = self.ended if self.ended is not None else float("inf")
        return self.started <= moment <= end + AFTERMATH_SECONDS

    @property
    def can_fail_requests(self) -> bool:
        return self.kind != "cut-broker" and not (
            self.kind == "kill" and self.target == "notifications"
        )

    @property
    def label(self) -> str:
        return f"{self.kind} {self.target}"


def plan(seed: int, duration: float) -> list[Fault]:
    """Every process killed once, one database cut, one stalled peer, in an order and at
    moments drawn from `seed`; the broker cut runs on its own lane and may overlap them."""
    rng = random.Random(seed)
    lane = [Fault("kill", name, 0.0) for name in PROCESSES]
    lane.append(Fault("cut-db", rng.choice(["users", "products", "orders"]), 0.0, hold=10))
    lane.append(Fault("stall-grpc", rng.choice(["users", "products"]), 0.0, hold=10))
    rng.shuffle(lane)
    moments = sorted(rng.uniform(0.05, 0.7) * duration for _ in lane)
    for fault, moment in zip(lane, moments, strict=True):
        fault.at = round(moment, 1)
    broker = Fault("cut-broker", "rabbitmq", round(rng.uniform(0.1, 0.45) * duration, 1), 30)
    return sorted([*lane, broker], key=lambda f: f.at)


async def inject(platform: ChaosPlatform, fault: Fault, now: float) -> None:
    """Applies one fault and undoes it (restart, restore, resume); `now` is its start."""
    fault.started = now
    stack, proxies = platform.stack, platform.proxies
    if fault.kind == "kill":
        await asyncio.to_thread(stack.kill, fault.target)
        fault.note = await _restart(platform, fault.target)
        return
    proxy = {
        "cut-broker": proxies["broker"],
        "cut-db": proxies.get(f"{fault.target}-db"),
        "stall-grpc": proxies.get(f"{fault.target}-grpc"),
    }[fault.kind]
    assert proxy is not None, fault
    if fault.kind == "stall-grpc":
        proxy.stall()
        await asyncio.sleep(fault.hold)
        proxy.resume()
    else:
        proxy.cut()
        await asyncio.sleep(fault.hold)
        proxy.restore()


async def _restart(platform: ChaosPlatform, name: str) -> str:
    """Starts a killed process again; a start that fails (its database is cut right now)
    is retried, as a supervisor would. Returns a note on what it took."""
    for attempt in range(1, 6):
        try:
            await asyncio.to_thread(platform.stack.start, name)
            return "" if attempt == 1 else f"started on attempt {attempt}"
        except (RuntimeError, TimeoutError) as exc:
            platform.stack.kill(name)
            last = str(exc)
            await asyncio.sleep(3)
    raise RuntimeError(f"{name} did not come back: {last}")


async def run_lane(
    platform: ChaosPlatform, faults: list[Fault], clock: Callable[[], float]
) -> None:
    """Injects `faults` one after another, each at its moment or once the previous is over."""
    for fault in faults:
        await asyncio.sleep(max(0.0, fault.at - clock()))
        await inject(platform, fault, clock())
        fault.ended = clock()
