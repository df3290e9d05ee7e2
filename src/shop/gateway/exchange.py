"""One request in flight: what the gateway knows about it, and how it answers errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.types import Receive, Scope, Send

from shop.common.context import REQUEST_ID_HEADER, accept_request_id
from shop.gateway.asgi import Headers, error_body, send_response

_REQUEST_ID = REQUEST_ID_HEADER.encode()


@dataclass(slots=True)
class Exchange:
    scope: Scope
    receive: Receive
    send: Send
    request_id: str
    method: str
    path: str
    headers: dict[bytes, bytes]
    # Added to every answer, gateway-made errors included (request id, CORS, rate limit).
    extra: Headers = field(default_factory=list)

    @classmethod
    def start(cls, scope: Scope, receive: Receive, send: Send) -> Exchange:
        """The exchange for a new request, with the client's request id or a fresh one."""
        headers: dict[bytes, bytes] = dict(scope["headers"])
        candidate = headers.get(_REQUEST_ID)
        request_id = accept_request_id(candidate.decode("latin-1") if candidate else None)
        return cls(scope, receive, send, request_id, scope["method"], scope["path"], headers)

    def header(self, name: bytes) -> str | None:
        """A request header (lower-case name) as text, or None."""
        value = self.headers.get(name)
        return value.decode("latin-1") if value is not None else None

    @property
    def origin(self) -> str | None:
        return self.header(b"origin")

    @property
    def may_have_body(self) -> bool:
        """False when the request has no body: HTTP/1.1 announces one with either header
        (RFC 9112 section 6.3), so most requests skip the ASGI receive round trip."""
        headers = self.headers
        return b"content-length" in headers or b"transfer-encoding" in headers

    @property
    def head(self) -> bool:
        return self.method == "HEAD"

    @property
    def client_ip(self) -> str:
        client = self.scope.get("client")
        return str(client[0]) if client else "unknown"

    async def fail(self, status: int, message: str, more: Headers | None = None) -> int:
        """Answers with the contract's error envelope; returns the status sent."""
        body = error_body(message, request_id=self.request_id)
        headers = [*self.extra, *more] if more else self.extra
        await send_response(self.send, status, body, headers, head=self.head)
        return status
