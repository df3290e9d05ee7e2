"""After the last fault: wait until the platform has healed, or say that it did not."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.chaos.observe import EventTap, mails_per_event, mysql_rows, outbox_rows, pg_rows
from tests.chaos.platform import ChaosPlatform
from tests.chaos.report import MAILED_TYPES

_UNSETTLED_ORDERS = (
    "SELECT count(*) AS n FROM orders WHERE status = 'PENDING' "
    "OR (status IN ('FAILED', 'CANCELLED') AND settled_at IS NULL)"
)
_LIVE_RESERVATIONS = "SELECT count(*) AS n FROM reservations WHERE status = 'reserved'"
_UNPUBLISHED = "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"


async def ready(url: str) -> bool:
    """GET /health/ready where the process serves it, else /health."""
    async with httpx.AsyncClient(timeout=3) as client:
        try:
            resp = await client.get(f"{url}/health/ready")
            if resp.status_code not in (200, 503):  # not served yet: liveness is what there is
                resp = await client.get(f"{url}/health")
        except httpx.HTTPError:
            return False
    return resp.status_code == 200


async def pending_work(platform: ChaosPlatform, tap: EventTap) -> list[str]:
    """What is still settling; empty once the platform has healed."""
    stack, direct = platform.stack, platform.direct
    waiting = [
        name
        for name in ("gateway", "users", "products", "orders")
        if not await ready(stack.url(name))
    ]
    worker = stack.supervisor.procs.get("notifications")
    if worker is None or worker.poll() is not None:
        waiting.append("notifications (not running)")
    if (await pg_rows(direct["orders"], _UNSETTLED_ORDERS))[0]["n"]:
        waiting.append("orders pending or unsettled")
    if (await pg_rows(direct["products"], _LIVE_RESERVATIONS))[0]["n"]:
        waiting.append("live reservations")
    for service in ("products", "orders"):
        if (await pg_rows(direct[service], _UNPUBLISHED))[0]["n"]:
            waiting.append(f"{service} outbox")
    if (await mysql_rows(direct["users"], _UNPUBLISHED.replace(" AS n", "")))[0][0]:
        waiting.append("users outbox")
    mails = mails_per_event(platform.data_dir)
    if any(tap.types.get(e) in MAILED_TYPES and e not in mails for e in await committed(platform)):
        waiting.append("mails")
    return waiting


async def committed(platform: ChaosPlatform) -> set[str]:
    """Ids of every event the platform's services committed to their outboxes."""
    ids: set[str] = set()
    for service in ("users", "products", "orders"):
        ids |= {
            str(row["event_id"]) for row in await outbox_rows(service, platform.direct[service])
        }
    return ids


async def wait_for_recovery(
    platform: ChaosPlatform, tap: EventTap, *, timeout: float
) -> float | None:
    """Seconds it took to heal (then two quiet seconds more for stragglers), None if never."""
    started = time.monotonic()
    waiting: list[str] = []
    while time.monotonic() - started < timeout:
        waiting = await pending_work(platform, tap)
        if not waiting:
            healed = time.monotonic() - started
            await asyncio.sleep(2)
            return round(healed, 1)
        await asyncio.sleep(1)
    print(f"chaos: not recovered after {timeout}s, still waiting for {waiting}")
    return None
