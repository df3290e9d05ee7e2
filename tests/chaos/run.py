"""One chaos run: start, load, faults, recovery, then the report."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from shop.notifications.broker.topology import MAX_RETRY_LEVELS, Queues
from tests.chaos.faults import Fault, plan, run_lane
from tests.chaos.load import LoadState, seed_products, virtual_user
from tests.chaos.observe import (
    EventTap,
    StockSampler,
    mails_per_event,
    mysql_rows,
    outbox_rows,
    pg_rows,
    stock_rows,
)
from tests.chaos.platform import ChaosPlatform
from tests.chaos.recovery import wait_for_recovery
from tests.chaos.report import Report, client_errors, events_and_mails
from tests.support.log_hygiene import leaks

PROCESSES = ("gateway", "users", "products", "orders", "notifications")


async def run(*, seed: int, duration: float, root: Path, virtual_users: int = 8) -> Report:
    """Runs the platform under load and faults for `duration` seconds; the checked report."""
    platform = ChaosPlatform(root)
    tap = EventTap()
    report = Report()
    report.sections["run"] = {"seed": seed, "duration (s)": duration}
    try:
        await tap.start()
        await asyncio.to_thread(platform.start)
        limits = httpx.Limits(keepalive_expiry=30)
        async with httpx.AsyncClient(
            base_url=platform.stack.gateway_url, timeout=20, limits=limits
        ) as client:
            state = LoadState(started=time.monotonic())
            admin = platform.stack.login(platform.stack.admin_email, platform.stack.admin_password)
            state.admin_headers = {"Authorization": f"Bearer {admin['accessToken']}"}
            await seed_products(client, state, count=5)
            sampler = StockSampler(platform.direct["products"])
            sampling = asyncio.create_task(sampler.run())
            faults = plan(seed, duration)
            state.started = time.monotonic()
            await asyncio.gather(
                run_lane(platform, [f for f in faults if f.kind != "cut-broker"], state.now),
                run_lane(platform, [f for f in faults if f.kind == "cut-broker"], state.now),
                *(
                    virtual_user(client, state, random.Random(seed * 1000 + i), until=duration)
                    for i in range(virtual_users)
                ),
            )
            recovered_in = await wait_for_recovery(platform, tap, timeout=150)
            sampling.cancel()
        await _assemble(report, platform, tap, state, faults, sampler, recovered_in)
    finally:
        # The worker stops first: deleting its queue under it made it declare the queue
        # again, left behind to collect a copy of every later event on the broker.
        await asyncio.to_thread(platform.close)
        worker_queues = Queues(
            main=platform.stack.env["NOTIFICATION_QUEUE"], max_attempts=MAX_RETRY_LEVELS + 1
        )
        await tap.close(worker_queues.main, *worker_queues.side_queues())
    known = [*platform.stack.known_secrets, *state.issued_secrets]
    logged = {name: leaks(platform.stack.logs(name), known) for name in PROCESSES}
    report.sections["logs"] = {name: found or "clean" for name, found in logged.items()}
    for name, found in logged.items():
        report.check(not found, f"{name} logged {found}")
    report.sections["run"]["logs"] = str(platform.stack.log_dir)
    return report


async def _assemble(
    report: Report,
    platform: ChaosPlatform,
    tap: EventTap,
    state: LoadState,
    faults: list[Fault],
    sampler: StockSampler,
    recovered_in: float | None,
) -> None:
    direct = platform.direct
    report.sections["run"]["recovered in (s)"] = recovered_in
    report.check(recovered_in is not None, "the platform did not recover")
    orders = await pg_rows(direct["orders"], "SELECT id, status FROM orders")
    statuses = Counter(str(o["status"]) for o in orders)
    report.sections["orders"] = {
        "attempted": len(state.order_keys),
        "stored": len(orders),
        **{status.lower(): n for status, n in sorted(statuses.items())},
        "not stored (refused before)": len(state.order_keys) - len(orders),
    }
    report.check(statuses["PENDING"] == 0, f"{statuses['PENDING']} orders still PENDING")
    report.sections["faults"] = {
        f"{f.at:>6.1f}s {f.label}": f"{f.started:.1f}-{f.ended:.1f}s {f.note}".strip()
        if f.started is not None and f.ended is not None
        else "not injected"
        for f in faults
    }
    report.sections["faults by kind"] = dict(Counter(f.kind for f in faults if f.ended))
    report.check(all(f.ended for f in faults), "a fault was not injected")
    _stock(report, await stock_rows(direct["products"]), state, sampler)
    charges = await pg_rows(direct["orders"], "SELECT order_id, status FROM mock_payment_charges")
    _charges(report, orders, charges)
    outboxes = {
        service: await outbox_rows(service, direct[service])
        for service in ("users", "products", "orders")
    }
    # The admin account counts: ensuring it at start-up registers it, with its event.
    users = await mysql_rows(direct["users"], "SELECT id FROM users")
    subjects = {str(u[0]) for u in users} | {str(o["id"]) for o in orders}
    subjects |= {str(p["id"]) for p in await stock_rows(direct["products"])}
    events = events_and_mails(outboxes, tap, subjects, mails_per_event(platform.data_dir))
    confirmed = await pg_rows(
        direct["orders"],
        "SELECT count(DISTINCT order_id) AS n FROM order_status_history "
        "WHERE to_status = 'CONFIRMED'",
    )
    events["users registered"] = len(users)
    events["orders confirmed (ever)"] = int(confirmed[0]["n"])
    report.sections["events and mails"] = events
    by_type = events["committed_by_type"]
    for name in ("unpublished", "lost", "phantom", "events_without_mail", "events_mailed_twice"):
        report.check(not events[name], f"events: {name} {events[name]}")
    report.check(
        by_type.get("user.registered", 0) == events["users registered"],
        "user.registered events differ from users registered",
    )
    report.check(
        by_type.get("order.created", 0) == events["orders confirmed (ever)"],
        "order.created events differ from orders confirmed",
    )
    errors = client_errors(state.outcomes, faults)
    report.sections["client-visible errors"] = errors
    report.check(not errors["unexplained"], f"unexplained errors: {errors['unexplained'][:10]}")


def _stock(
    report: Report, rows: list[dict[str, Any]], state: LoadState, sampler: StockSampler
) -> None:
    table: dict[str, Any] = {"samples": sampler.samples, "bad samples": len(sampler.violations)}
    report.check(not sampler.violations, f"stock samples broke: {sampler.violations[:5]}")
    for row in rows:
        product = str(row["id"])
        if product not in state.stocked:
            continue
        expected = "?" if product in state.unsure_stock else state.stocked[product]
        stock, reserved, sold, stocked = row["stock"], row["reserved"], row["sold"], row["stocked"]
        table[product[:8]] = (
            f"stocked {stocked} (load: {expected}) = on hand {stock} + reserved {reserved} "
            f"+ sold {sold}"
        )
        report.check(stock + reserved + sold == stocked, f"{product}: stock does not add up")
        report.check(reserved == 0, f"{product}: {reserved} units still reserved after recovery")
        report.check(expected in ("?", stocked), f"{product}: stocked {stocked} != {expected}")
    report.sections["stock"] = table


def _charges(report: Report, orders: list[dict[str, Any]], charges: list[dict[str, Any]]) -> None:
    by_order: dict[str, list[str]] = {}
    for charge in charges:
        by_order.setdefault(str(charge["order_id"]), []).append(str(charge["status"]))
    status_of = {str(o["id"]): str(o["status"]) for o in orders}
    kept = {o: s for o, s in by_order.items() if "SUCCEEDED" in s}
    paid_statuses = {"CONFIRMED", "SHIPPED", "DELIVERED"}
    report.sections["charges"] = {
        "orders with a charge row": len(by_order),
        "kept charges": len(kept),
        "most rows for one order": max((len(s) for s in by_order.values()), default=0),
    }
    for order_id, status in status_of.items():
        ledger = by_order.get(order_id, [])
        report.check(len(ledger) <= 1, f"order {order_id} charged {len(ledger)} times")
        if status in paid_statuses:
            report.check(ledger == ["SUCCEEDED"], f"{status} order {order_id} ledger {ledger}")
        if status == "FAILED":
            report.check("SUCCEEDED" not in ledger, f"FAILED order {order_id} was charged")
