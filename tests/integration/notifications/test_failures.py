"""Poison messages, refusing SMTP servers, dead letters and replay, on the real broker."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import aio_pika
import orjson
import pytest

from shop.common.publisher import EventPublisher, OutgoingEvent
from tests.integration.notifications.conftest import WorkerFactory
from tests.integration.notifications.support import eventually, user_registered
from tests.support.databases import RABBITMQ_URL
from tests.support.smtp import MailServer

# Each test starts worker processes; on a loaded machine that alone takes a while.
pytestmark = pytest.mark.timeout(300)


async def _dead_letters(
    queue: str, *, count: int, of: Callable[[bytes], bool], within: float = 30
) -> list[Any]:
    """The first `count` messages of the DLQ whose body `of` accepts (taken out).

    Others are taken out too: events other runs publish on the shared broker reach this
    worker as well.
    """
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        dlq = await (await connection.channel()).declare_queue(f"{queue}.dlq", passive=True)
        found: list[Any] = []
        async with asyncio.timeout(within):
            while len(found) < count:
                message = await dlq.get(fail=False)
                if message is None:
                    await asyncio.sleep(0.05)
                    continue
                await message.ack()
                if of(message.body):
                    found.append(message)
        return found


def _is(event: dict[str, Any]) -> Callable[[bytes], bool]:
    return lambda body: event["id"].encode() in body


async def _dlq_depth(queue: str) -> int:
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        dlq = await (await connection.channel()).declare_queue(f"{queue}.dlq", passive=True)
        return int(dlq.declaration_result.message_count or 0)


async def test_poison_is_dead_lettered_at_once_and_the_worker_stays_idle(
    worker_factory: WorkerFactory,
    smtp: MailServer,
    publish: Callable[..., Any],
    queue_name: str,
) -> None:
    worker = worker_factory()
    valid = user_registered()
    poison: list[tuple[bytes, str]] = [
        (b"[]", "not an object"),
        (b"null", "not an object"),
        (b"not json {", "not JSON"),
        (orjson.dumps({**valid, "id": uuid.uuid4().hex, "data": "a string"}), "data is JSON"),
        (orjson.dumps({"type": "user.registered", "data": {}}), "no usable id"),
        (orjson.dumps({"id": uuid.uuid4().hex, "data": {}}), "no type"),
        (orjson.dumps({**valid, "id": uuid.uuid4().hex, "type": "user.renamed"}), "unknown type"),
    ]
    for body, _ in poison:
        await publish(body, routing_key="user.registered")
    await publish(valid)
    started = time.monotonic()
    bodies = {body for body, _ in poison}
    letters = await _dead_letters(queue_name, count=len(poison), of=bodies.__contains__)
    assert time.monotonic() - started < 30  # loose: "within seconds", on a loaded machine
    reasons = sorted(str(m.headers["x-shop-error"]) for m in letters)
    for (_, expected), body in zip(poison, [b for b, _ in poison], strict=True):
        matching = [m for m in letters if m.body == body]
        assert len(matching) == 1, (expected, reasons)
        assert expected in str(matching[0].headers["x-shop-error"])
        assert matching[0].headers["x-shop-attempts"] == 1
    await eventually(lambda: bool(smtp.mails_for(valid["id"])))

    # No hot loop: over two idle seconds the worker uses a sliver of one core.
    before = worker.cpu_seconds()
    await asyncio.sleep(2)
    used = worker.cpu_seconds() - before
    print(f"\nworker CPU over 2 s after the poison: {used:.3f} s")
    assert used < 0.5
    counted = re.search(
        r'notifications_total\{result="dead_lettered",type="invalid"\} (\S+)', worker.metrics()
    )
    # At least ours: other runs on the shared broker may publish to shop.events too.
    assert counted is not None and float(counted.group(1)) >= len(poison)


async def test_421_is_retried_with_growing_delays_then_sent_once(
    worker_factory: WorkerFactory, smtp: MailServer, publish: Callable[..., Any]
) -> None:
    worker = worker_factory(NOTIFICATION_RETRY_BASE_SECONDS="0.4")
    e = user_registered()
    smtp.replies[e["id"]] = ["421 4.3.2 busy, try later"] * 4
    await publish(e)
    await eventually(lambda: bool(smtp.mails_for(e["id"])), within=60)
    times = smtp.attempts_for(e["id"])
    assert len(times) == 5
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # After failed attempt n the wait is at least base * 2**(n-1) / 2 (jitter takes at most
    # half): 0.2, 0.4, 0.8, 1.6 s. Only floors: a loaded machine adds, never subtracts.
    floors = [0.2, 0.4, 0.8, 1.6]
    assert all(gap >= floor - 0.05 for gap, floor in zip(gaps, floors, strict=True)), gaps
    await asyncio.sleep(0.5)
    assert len(smtp.mails_for(e["id"])) == 1
    assert 'notifications_total{result="retried",type="user.registered"}' in worker.metrics()


async def test_550_is_dead_lettered_without_retry(
    worker_factory: WorkerFactory,
    smtp: MailServer,
    publish: Callable[..., Any],
    queue_name: str,
) -> None:
    worker_factory()
    e = user_registered()
    smtp.refuse_rcpt[e["data"]["email"]] = "550 5.1.1 no such user"
    await publish(e)
    [letter] = await _dead_letters(queue_name, count=1, of=_is(e))
    assert orjson.loads(letter.body)["id"] == e["id"]
    assert "550" in str(letter.headers["x-shop-error"])
    assert letter.headers["x-shop-attempts"] == 1


async def test_attempts_used_up_go_to_the_dlq(
    worker_factory: WorkerFactory,
    smtp: MailServer,
    publish: Callable[..., Any],
    queue_name: str,
) -> None:
    worker_factory(NOTIFICATION_MAX_ATTEMPTS="3", NOTIFICATION_RETRY_BASE_SECONDS="0.1")
    e = user_registered()
    smtp.replies[e["id"]] = ["451 4.3.0 later"] * 100
    await publish(e)
    [letter] = await _dead_letters(queue_name, count=1, of=_is(e))
    assert letter.headers["x-shop-attempts"] == 3
    assert "gave up after 3 attempts" in str(letter.headers["x-shop-error"])


async def test_replay_dlq_brings_a_dead_letter_back_once_the_cause_is_gone(
    worker_factory: WorkerFactory,
    smtp: MailServer,
    publish: Callable[..., Any],
    queue_name: str,
) -> None:
    worker = worker_factory()
    e = user_registered()
    smtp.refuse_rcpt[e["data"]["email"]] = "550 5.7.1 relaying denied"
    await publish(e)
    await eventually(lambda: 'result="dead_lettered",type="user.registered"' in worker.metrics())
    assert await _dlq_depth(queue_name) >= 1
    del smtp.refuse_rcpt[e["data"]["email"]]  # the cause is fixed
    assert "replayed" in worker.replay_dlq()
    await eventually(lambda: bool(smtp.mails_for(e["id"])))
    await asyncio.sleep(0.5)
    assert len(smtp.mails_for(e["id"])) == 1


async def test_queue_gets_only_the_contract_routing_keys(
    worker_factory: WorkerFactory, publish: Callable[..., Any], queue_name: str
) -> None:
    worker_factory()
    marker = uuid.uuid4().hex.encode()
    unbound, bound = b"unbound " + marker, b"bound " + marker  # neither is JSON
    await publish(unbound, routing_key="product.created")
    await publish(bound, routing_key="product.low_stock")
    # Both would be dead-lettered on arrival, in order; only the bound one arrives.
    letters = await _dead_letters(queue_name, count=1, of=lambda body: marker in body)
    assert [m.body for m in letters] == [bound]


async def test_auto_delete_worker_leaves_no_queue_behind(
    worker_factory: WorkerFactory, publish: Callable[..., Any], queue_name: str
) -> None:
    worker = worker_factory(NOTIFICATION_QUEUE_AUTO_DELETE="true", NOTIFICATION_MAX_ATTEMPTS="3")
    await publish(b"[]", routing_key="user.registered")  # something in its DLQ too
    await eventually(lambda: 'type="invalid"' in worker.metrics())
    worker.stop()
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        for name in (queue_name, f"{queue_name}.dlq", f"{queue_name}.retry.1"):
            channel = await connection.channel()
            try:
                await channel.declare_queue(name, passive=True)
            except aio_pika.exceptions.ChannelClosed:
                continue
            raise AssertionError(f"{name} is still on the broker")


async def test_a_burst_with_poison_and_a_retry_in_the_middle_keeps_the_channel(
    worker_factory: WorkerFactory, smtp: MailServer, queue_name: str
) -> None:
    # One socket write, as an outbox relay publishes a round: the deliveries arrive
    # together and their acks go together, around one still being moved to the DLQ and
    # one to a retry queue (a multiple ack past either would close the channel).
    worker = worker_factory()
    valid = [user_registered() for _ in range(6)]
    retried = user_registered()
    smtp.replies[retried["id"]] = ["421 4.3.2 busy, try later"]
    poison_id = uuid.uuid4().hex
    burst = [*valid[:3], retried, {"id": poison_id, "type": "user.registered"}, *valid[3:]]
    burst.insert(5, valid[1])  # the same event twice in one burst: one mail
    publisher = EventPublisher(rabbitmq_url=RABBITMQ_URL, service="test")
    try:
        events = [
            OutgoingEvent(
                key=n,
                event_id=e["id"],
                event_type="user.registered",
                payload=orjson.dumps(e).decode(),
            )
            for n, e in enumerate(burst)
        ]
        assert len(await publisher.publish(events)) == len(events)
    finally:
        await publisher.close()

    [letter] = await _dead_letters(queue_name, count=1, of=lambda body: poison_id.encode() in body)
    assert "data is JSON null" in str(letter.headers["x-shop-error"])
    assert letter.headers["x-shop-attempts"] == 1
    ids = [e["id"] for e in [*valid, retried]]
    await eventually(lambda: all(smtp.mails_for(i) for i in ids))
    await asyncio.sleep(1)  # time for a second mail, were one coming
    assert all(len(smtp.mails_for(i)) == 1 for i in ids)
    assert len(smtp.attempts_for(retried["id"])) == 2
    logs = worker.logs()
    assert "broker_session_lost" not in logs and "Consumer callback failed" not in logs, logs
    assert logs.count("worker_ready") == 1
    worker.stop()
    # Every delivery was acked: none of them is back in the queue now the worker is gone.
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        main = await (await connection.channel()).declare_queue(queue_name, passive=True)
        while (message := await main.get(fail=False)) is not None:
            await message.ack()
            assert not any(i.encode() in message.body for i in [*ids, poison_id])


def _json(value: dict[str, Any]) -> str:
    return orjson.dumps(value).decode()
