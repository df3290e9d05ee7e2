"""A tiny real upstream: echoes what it received, or is slow, or answers garbage."""

from __future__ import annotations

import asyncio

import orjson
from aiohttp import web


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    payload = {
        "method": request.method,
        "path": request.path,
        "raw_path": request.raw_path,
        "query": request.query_string,
        "headers": [[k.lower(), v] for k, v in request.headers.items()],
        "body": body.decode(),
    }
    return web.Response(
        body=orjson.dumps(payload),
        content_type="application/json",
        headers={"X-Upstream": "echo", "Connection": "keep-alive"},
    )


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(float(request.query.get("seconds", "5")))
    return web.json_response({"slow": True})


def build_upstream() -> web.Application:
    """/slow sleeps; every other path echoes the request back as JSON."""
    app = web.Application()
    app.router.add_route("*", "/products/slow", _slow)
    app.router.add_route("*", "/{tail:.*}", _echo)
    return app


async def start_upstream(port: int) -> web.AppRunner:
    runner = web.AppRunner(build_upstream(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def start_garbage_server(port: int) -> asyncio.Server:
    """Answers every connection with bytes that are not HTTP."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(b"this is not http\r\n\r\n")
        await writer.drain()
        writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", port)
