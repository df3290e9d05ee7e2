"""The worker as a real process against the real broker and a real SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import orjson
import pytest

from shop.common.outbox_relay import declare_exchange
from tests.support.databases import RABBITMQ_URL
from tests.support.ports import free_port
from tests.support.smtp import MailServer, mail_server


class WorkerProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.port = int(env["NOTIFICATION_PORT"])
        self._log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "shop.notifications"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 90  # a loaded CI machine starts Python slowly
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.logs()
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health/ready").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"worker not ready:\n{self.logs()}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process has used so far."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def metrics(self) -> str:
        return httpx.get(f"http://127.0.0.1:{self.port}/metrics").text

    def logs(self) -> str:
        return self._log.read_text(errors="replace") if self._log.exists() else ""

    def replay_dlq(self) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "shop.notifications", "replay-dlq"],
            env=self.env,
            capture_output=True,
            timeout=60,
            check=True,
        )
        return done.stdout.decode()


WorkerFactory = Callable[..., WorkerProcess]


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    with mail_server() as server:
        yield server


@pytest.fixture
def queue_name() -> str:
    return f"notifications-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def worker_factory(
    tmp_path: Path, smtp: MailServer, queue_name: str
) -> AsyncIterator[WorkerFactory]:
    """Starts workers sharing one store and one durable queue (deleted at the end)."""
    started: list[WorkerProcess] = []

    def factory(**overrides: str) -> WorkerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOP_", "PYTEST_"))}
        env.update(
            {
                "SHOP_ENV": "test",
                "DATA_DIR": str(tmp_path),
                "RABBITMQ_URL": RABBITMQ_URL,
                "NOTIFICATION_PORT": str(free_port()),
                "NOTIFICATION_QUEUE": queue_name,
                "NOTIFICATION_RETRY_BASE_SECONDS": "0.2",
                "NOTIFICATION_CLAIM_SECONDS": "2",
                "SMTP_URL": smtp.url,
                "ADMIN_ALERT_EMAIL": "stock-team@example.com",
                **overrides,
            }
        )
        worker = WorkerProcess(env, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        worker.start()
        return worker

    yield factory
    for worker in started:
        worker.stop()
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        for suffix in ["", ".dlq", *(f".retry.{n}" for n in range(1, 13))]:
            channel = await connection.channel()
            await channel.queue_delete(queue_name + suffix)


@pytest.fixture
async def publish() -> AsyncIterator[Callable[..., Any]]:
    """publish(body | event dict, routing_key=...) onto shop.events."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    channel = await connection.channel(publisher_confirms=True)
    exchange = await declare_exchange(channel)

    async def send(body: bytes | dict[str, Any], *, routing_key: str | None = None) -> None:
        if isinstance(body, dict):
            routing_key = routing_key or str(body["type"])
            body = orjson.dumps(body)
        assert routing_key is not None
        await exchange.publish(aio_pika.Message(body), routing_key=routing_key)

    yield send
    await connection.close()
