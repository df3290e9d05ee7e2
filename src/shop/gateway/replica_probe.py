"""Asks each replica whether it is ready, and moves it in or out of rotation accordingly."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

import aiohttp

from shop.common.logging import get_logger
from shop.gateway.replicas import Replica, ReplicaSet

log = get_logger("shop.gateway.replicas")
_READY_PATH = "/health/ready"
_LIVE_PATH = "/health"
_PROBE_TIMEOUT = aiohttp.ClientTimeout(total=1.0)


async def replica_ready(session: aiohttp.ClientSession, replica: Replica) -> bool:
    """True when the replica's readiness answers 200 (its liveness, where it has no readiness)."""
    try:
        async with session.get(replica.url + _READY_PATH, timeout=_PROBE_TIMEOUT) as resp:
            if resp.status in (404, 401, 403):  # a service without /health/ready (yet)
                async with session.get(replica.url + _LIVE_PATH, timeout=_PROBE_TIMEOUT) as live:
                    return live.status == 200
            return resp.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


class ReplicaProbe:
    """A background loop over the services that have more than one replica."""

    def __init__(
        self, session: aiohttp.ClientSession, services: Iterable[ReplicaSet], interval: float
    ) -> None:
        self._session = session
        # One replica is tried whatever its state, so probing it would change nothing.
        self._services = [s for s in services if len(s.replicas) > 1]
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._services and self._task is None:
            self._task = asyncio.create_task(self._run(), name="replica-probe")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def check_once(self) -> None:
        """Probes every replica once, concurrently, and applies the verdicts."""
        pairs = [(s, r) for s in self._services for r in s.replicas]
        verdicts = await asyncio.gather(*(replica_ready(self._session, r) for _, r in pairs))
        for (service, replica), ready in zip(pairs, verdicts, strict=True):
            was_in = replica in service.available()
            if ready:
                service.restore(replica)
            else:
                service.eject(replica)
            if was_in != ready:
                log.info("replica_" + ("restored" if ready else "ejected"), url=replica.url)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.check_once()
            except Exception:  # the loop must outlive any one bad probe
                log.exception("replica_probe_failed")
