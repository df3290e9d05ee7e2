"""The composition root: a worker built from settings alone mails an event once, and its
HTTP app reports what the context holds."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson

from shop.notifications import bootstrap
from shop.notifications.handling import Outcome
from shop.notifications.http import create_app
from shop.notifications.settings import NotificationSettings
from tests.integration.notifications.support import user_registered


async def test_a_built_worker_mails_once_and_reports_its_parts(tmp_path: Path) -> None:
    settings = NotificationSettings(shop_env="test", data_dir=tmp_path, rabbitmq_url=None)
    await bootstrap.migrate(settings)
    ctx = bootstrap.build(settings)
    try:
        assert ctx.consumer is None  # no broker configured
        event = user_registered()
        body = orjson.dumps(event)
        assert (await ctx.handler.handle(body))[1] is Outcome.SENT
        assert (await ctx.handler.handle(body))[1] is Outcome.DUPLICATE
        assert await ctx.deliveries.is_sent(event["id"])
        assert [p.name for p in (tmp_path / "mail").iterdir()] == [f"{event['id']}.eml"]

        app = create_app(ctx)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://worker"
        ) as client:
            assert (await client.get("/health")).json()["service"] == "notifications"
            ready = await client.get("/health/ready")
            assert ready.status_code == 503
            checks = ready.json()["checks"]
            assert checks["database"]["status"] == "up"
            assert checks["broker"]["status"] == "down"
    finally:
        await ctx.aclose()
