"""The forwarding pool against raw HTTP/1.1 answers of every framing, over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from shop.gateway.upstream_connection import BadAnswer, ConnectionBroken
from shop.gateway.upstream_pool import ConnectTimeout, Refused, UpstreamPool
from tests.support.ports import free_port

Answerer = Callable[[bytes], bytes]
CHUNKED = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
UNTIL_CLOSE = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nall of it"
HEAD_ANSWER = b"HTTP/1.1 200 OK\r\ncontent-length: 42\r\n\r\n"


def _pool(timeout: float = 5.0) -> UpstreamPool:
    return UpstreamPool(size=8, keepalive_seconds=4, connect_timeout=1, timeout=timeout)


class RawServers:
    """Servers answering each request head with answer(head), on free loopback ports."""

    def __init__(self) -> None:
        self.servers: list[asyncio.Server] = []
        self.connections = 0

    async def start(self, answer: Answerer) -> str:
        """A new server's URL."""

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            try:
                while head := await reader.readuntil(b"\r\n\r\n"):
                    reply = answer(head)
                    hang_up = reply.startswith(b"!")  # "!": write the rest, then close
                    writer.write(reply.removeprefix(b"!"))
                    await writer.drain()
                    if hang_up or b"connection: close" in reply:
                        break
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            writer.close()

        port = free_port()
        self.servers.append(await asyncio.start_server(serve, "127.0.0.1", port))
        return f"http://127.0.0.1:{port}"


@pytest.fixture
async def raw() -> AsyncIterator[RawServers]:
    servers = RawServers()
    yield servers
    for server in servers.servers:
        server.close()


def _fixed(body: bytes) -> Answerer:
    return lambda head: b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)


def _recording(heads: list[bytes], body: bytes) -> Answerer:
    """Answers `body`, keeping every request head it was sent in `heads`."""

    def answer(head: bytes) -> bytes:
        heads.append(head)
        return _fixed(body)(head)

    return answer


async def test_request_line_host_and_keep_alive_reuse(raw: RawServers) -> None:
    heads: list[bytes] = []
    url = await raw.start(_recording(heads, b"ok"))
    pool = _pool()
    for _ in range(3):
        answer_ = await pool.request(url + "/base", "/products?x=1", "GET", b"a: b\r\n", None)
        assert (answer_.status, answer_.body, answer_.content_length) == (200, b"ok", b"2")
    assert heads[0].startswith(b"GET /base/products?x=1 HTTP/1.1\r\nhost: 127.0.0.1:")
    assert b"\r\na: b\r\n" in heads[0]
    assert raw.connections == 1  # one connection, kept alive
    pool.close()


async def test_chunked_until_close_and_head_answers(raw: RawServers) -> None:
    pool = _pool()
    chunked = await pool.request(await raw.start(lambda h: CHUNKED), "/", "GET", b"", None)
    assert chunked.body == b"abcde" and chunked.keep_alive
    whole = await pool.request(await raw.start(lambda h: UNTIL_CLOSE), "/", "GET", b"", None)
    assert whole.body == b"all of it" and not whole.keep_alive
    url = await raw.start(lambda h: HEAD_ANSWER)
    for _ in range(2):  # the connection stays usable after an answer without its body
        head = await pool.request(url, "/", "HEAD", b"", None)
        assert (head.body, head.content_length) == (b"", b"42")
    pool.close()


async def test_a_body_is_sent_with_its_length(raw: RawServers) -> None:
    seen: list[bytes] = []
    url = await raw.start(_recording(seen, b""))
    pool = _pool()
    await pool.request(url, "/orders", "POST", b"", None)
    await pool.request(url, "/orders", "PUT", b"", b'{"a":1}')
    assert b"content-length: 0\r\n" in seen[0]  # a POST always says how long its body is
    assert seen[1].endswith(b"content-length: 7\r\n\r\n")
    pool.close()


async def test_failures_say_whether_the_request_was_sent(raw: RawServers) -> None:
    pool = _pool(timeout=0.5)
    with pytest.raises(Refused):
        await pool.request(f"http://127.0.0.1:{free_port()}", "/", "GET", b"", None)
    broken = await raw.start(lambda head: b"!HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort")
    with pytest.raises(ConnectionBroken):
        await pool.request(broken, "/", "GET", b"", None)
    garbage = await raw.start(lambda head: b"not http at all\r\n\r\n")
    with pytest.raises(BadAnswer):
        await pool.request(garbage, "/", "GET", b"", None)
    silent = await raw.start(lambda head: b"")
    with pytest.raises(TimeoutError):
        await pool.request(silent, "/", "GET", b"", None)
    assert not issubclass(ConnectTimeout, TimeoutError)  # 503, not the 504 of a slow answer
    pool.close()


async def test_every_late_answer_times_out_and_a_slot_is_waited_for(
    raw: RawServers,
) -> None:
    silent = await raw.start(lambda head: b"")
    pool = _pool(timeout=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    calls = [pool.request(silent, f"/{i}", "GET", b"", None) for i in range(3)]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(outcome, TimeoutError) for outcome in outcomes)
    assert 0.25 < loop.time() - started < 2
    one_slot = UpstreamPool(size=1, keepalive_seconds=4, connect_timeout=1, timeout=0.3)
    served = await raw.start(_fixed(b"ok"))
    first = asyncio.create_task(one_slot.request(silent, "/", "GET", b"", None))
    await asyncio.sleep(0.1)
    # The only slot is busy: this one waits until the first times out, then is served.
    assert (await one_slot.request(served, "/", "GET", b"", None)).body == b"ok"
    with pytest.raises(TimeoutError):
        await first
    pool.close()
    one_slot.close()
