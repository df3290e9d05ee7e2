"""A batch published in one write against the real RabbitMQ: each message gets its own
confirm, nack, return or timeout, and aiormq's bookkeeping is left as its publish leaves it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

import aiormq
import pytest

from shop.common.amqp_frames import message_properties
from shop.common.confirmed_batch import Outgoing, publish_confirmed
from shop.common.events import EXCHANGE
from shop.common.publisher import connect, declare_exchange
from tests.support.databases import RABBITMQ_URL
from tests.support.events import bound_queue


@pytest.fixture
async def channel() -> AsyncIterator[aiormq.Channel]:
    connection = await connect(RABBITMQ_URL, within_seconds=5)
    try:
        confirmed = await connection.channel(publisher_confirms=True)
        await declare_exchange(confirmed)
        yield cast(aiormq.Channel, await confirmed.get_underlay_channel())
    finally:
        await connection.close()


def _message(routing_key: str, body: bytes = b"{}") -> Outgoing:
    message_id = uuid.uuid4().hex
    properties = message_properties(
        content_type="application/json",
        delivery_mode=2,
        priority=0,
        message_id=message_id,
        message_type=routing_key,
        headers={"x-request-id": "req-1"},
    )
    return Outgoing(routing_key, message_id, body, properties)


async def _publish(
    channel: aiormq.Channel, messages: list[Outgoing], confirm_seconds: float = 10.0
) -> list[BaseException | None]:
    return await publish_confirmed(
        channel, messages, exchange=EXCHANGE, mandatory=True, confirm_seconds=confirm_seconds
    )


def _settled(channel: aiormq.Channel) -> bool:
    return not channel.message_id_delivery_tag and not channel.confirmations


async def test_a_batch_goes_out_in_one_write_and_every_message_is_confirmed(
    channel: aiormq.Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    routing_key = f"test.batch.{uuid.uuid4().hex}"
    # Bigger than a frame: the body is split as aiormq splits it.
    messages = [_message(routing_key, body=bytes([n]) * 200_000) for n in range(5)]
    writes = 0
    put = channel.write_queue.put

    async def counted(frame: Any) -> None:
        nonlocal writes
        writes += 1
        await put(frame)

    async with bound_queue(routing_key) as queue:
        monkeypatch.setattr(channel.write_queue, "put", counted)
        assert await _publish(channel, messages) == [None] * 5
        monkeypatch.undo()
        assert writes == 1
        for sent in messages:
            received = await queue.get(timeout=5)
            assert received.body == sent.body
            assert received.message_id == sent.message_id and received.type == routing_key
            assert received.headers == {"x-request-id": "req-1"}
    assert _settled(channel)


async def test_a_nacked_message_fails_alone(channel: aiormq.Channel) -> None:
    accepted, refused = f"test.ok.{uuid.uuid4().hex}", f"test.full.{uuid.uuid4().hex}"
    connection = await connect(RABBITMQ_URL, within_seconds=5)
    async with bound_queue(accepted), connection:
        side = await connection.channel()
        exchange = await declare_exchange(side)
        full = await side.declare_queue(
            exclusive=True, arguments={"x-max-length": 0, "x-overflow": "reject-publish"}
        )
        await full.bind(exchange, routing_key=refused)
        outcomes = await _publish(channel, [_message(accepted), _message(refused)])
    assert outcomes[0] is None
    assert isinstance(outcomes[1], aiormq.exceptions.DeliveryError)
    assert _settled(channel)


async def test_a_returned_message_counts_as_confirmed_and_its_late_ack_is_absorbed(
    channel: aiormq.Channel,
) -> None:
    # As aiormq's own publish answers it: nobody is bound to this key.
    assert await _publish(channel, [_message(f"test.nobody.{uuid.uuid4().hex}")]) == [None]
    await asyncio.sleep(0.2)  # the ack that follows the return
    assert _settled(channel)
    assert not channel.is_closed


async def test_no_confirm_in_time_is_a_timeout_and_the_late_ack_is_ignored(
    channel: aiormq.Channel,
) -> None:
    async with bound_queue("test.slow.#"):
        outcomes = await _publish(channel, [_message("test.slow.1")], confirm_seconds=0)
        assert [type(outcome) for outcome in outcomes] == [TimeoutError]
        await asyncio.sleep(0.2)
    assert _settled(channel)
    assert await _publish(channel, [_message(f"test.nobody.{uuid.uuid4().hex}")]) == [None]


async def test_a_closed_channel_sends_nothing_and_keeps_its_delivery_tags(
    channel: aiormq.Channel,
) -> None:
    await channel.close()
    tag = channel.delivery_tag
    with pytest.raises(aiormq.exceptions.ChannelInvalidStateError):
        await _publish(channel, [_message("test.closed")])
    assert channel.delivery_tag == tag
    assert _settled(channel)
