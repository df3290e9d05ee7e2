"""The MongoDB outbox relay: two replicas claim disjoint batches (runs when MongoDB is up)."""

from __future__ import annotations

import asyncio
import uuid

import orjson
import pytest

from shop.common.clock import utcnow
from shop.common.events import cloud_event
from shop.products.stores.mongo.outbox import MongoOutboxRelay
from shop.products.stores.mongo.store import MongoProductStore
from tests.integration.products.conftest import MONGODB_URI, NO_MONGO
from tests.support.databases import RABBITMQ_URL
from tests.support.events import bound_queue, received_ids

pytestmark = [pytest.mark.mongodb, pytest.mark.skipif(not MONGODB_URI, reason=NO_MONGO)]
BACKLOG = 600


async def test_two_mongo_relays_never_publish_a_document_twice() -> None:
    assert MONGODB_URI is not None
    store = MongoProductStore(MONGODB_URI, database=f"shop_test_{uuid.uuid4().hex[:10]}")
    await store.prepare()
    routing_key = f"test.mongo.{uuid.uuid4().hex[:8]}"
    try:
        async with bound_queue(routing_key, name=routing_key) as queue:
            docs = []
            for n in range(BACKLOG):
                event = cloud_event(
                    event_type=routing_key, source="/t", data={"n": n}, request_id=None
                )
                payload = orjson.dumps(event).decode()
                docs.append(
                    {
                        "_id": event["id"],
                        "event_type": routing_key,
                        "payload": payload,
                        "seq": utcnow(),
                        "published_at": None,
                    }
                )
            await store.outbox.insert_many(docs)
            relays = [
                MongoOutboxRelay(
                    outbox=store.outbox,
                    rabbitmq_url=RABBITMQ_URL,
                    service="test",
                    wake=asyncio.Event(),
                    batch_size=25,
                    poll_seconds=0.05,
                )
                for _ in range(2)
            ]
            tasks = [asyncio.create_task(r.run()) for r in relays]
            try:
                async with asyncio.timeout(60):
                    while await store.outbox.count_documents({"published_at": None}):
                        await asyncio.sleep(0.05)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            seen = await received_ids(queue, BACKLOG)
            await asyncio.sleep(0.3)
            assert await queue.get(fail=False) is None
            assert len(seen) == BACKLOG and set(seen.values()) == {1}
    finally:
        await store.client.drop_database(store.db.name)
        await store.close()
