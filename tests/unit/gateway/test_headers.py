"""Which headers the gateway passes, drops and sets, in each direction."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shop.common.tokens import Principal
from shop.gateway.headers import downstream_headers, upstream_headers

ALICE = Principal(user_id="alice", email="alice@example.com", role="user")


def _upstream(
    raw: list[tuple[bytes, bytes]], principal: Principal | None = ALICE
) -> list[tuple[str, str]]:
    out = upstream_headers(
        raw,
        principal=principal,
        secret=b"s1",
        request_id="rid-1",
        client_ip="10.0.0.1",
        scheme="http",
    )
    return [(k.decode(), v.decode()) for k, v in out]


def test_forged_identity_and_secret_are_replaced() -> None:
    raw = [
        (b"x-user-role", b"admin"),
        (b"x-user-id", b"mallory"),
        (b"X-User-Email", b"mallory@example.com"),
        (b"x-user-extra", b"1"),
        (b"x-gateway-secret", b"guess"),
        (b"authorization", b"Bearer t"),
        (b"content-type", b"application/json"),
    ]
    out = _upstream(raw)
    assert [v for k, v in out if k == "x-user-role"] == ["user"]
    assert [v for k, v in out if k == "x-user-id"] == ["alice"]
    assert [v for k, v in out if k == "x-user-email"] == ["alice@example.com"]
    assert [v for k, v in out if k == "x-gateway-secret"] == ["s1"]
    assert not [k for k, _ in out if k == "x-user-extra"]
    assert ("content-type", "application/json") in out
    assert ("authorization", "Bearer t") in out


def test_anonymous_requests_carry_no_identity() -> None:
    out = _upstream([(b"x-user-role", b"admin")], principal=None)
    assert not [k for k, _ in out if k.startswith("x-user-")]
    assert ("x-gateway-secret", "s1") in out


def test_hop_by_hop_and_connection_listed_headers_are_dropped() -> None:
    raw = [
        (b"connection", b"keep-alive, X-Private"),
        (b"x-private", b"1"),
        (b"keep-alive", b"timeout=5"),
        (b"transfer-encoding", b"chunked"),
        (b"upgrade", b"websocket"),
        (b"host", b"gateway:3000"),
        (b"content-length", b"12"),
        (b"x-request-id", b"client-chosen"),
        (b"accept", b"application/json"),
    ]
    names = [k for k, _ in _upstream(raw)]
    for dropped in (
        "connection",
        "x-private",
        "keep-alive",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    ):
        assert dropped not in names
    assert ("x-request-id", "rid-1") in _upstream(raw)
    assert names.count("x-request-id") == 1
    assert "accept" in names


def test_response_headers_lose_hop_by_hop_and_gateway_owned_ones() -> None:
    raw = [
        (b"Content-Type", b"application/json"),
        (b"Content-Length", b"10"),
        (b"Connection", b"keep-alive"),
        (b"Transfer-Encoding", b"chunked"),
        (b"Server", b"uvicorn"),
        (b"Date", b"Mon"),
        (b"X-Request-ID", b"dup"),
        (b"Access-Control-Allow-Origin", b"*"),
        (b"Set-Cookie", b"a=b"),
    ]
    assert downstream_headers(raw) == [
        (b"content-type", b"application/json"),
        (b"set-cookie", b"a=b"),
    ]


_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["x-user-", "X-USER-", "x-gateway-", ""]),
            _names,
            st.text(alphabet="abc123", max_size=8),
        )
    )
)
def test_no_client_identity_header_ever_survives(headers: list[tuple[str, str, str]]) -> None:
    raw = [((prefix + name).encode(), value.encode()) for prefix, name, value in headers]
    out = _upstream(raw)
    identity = [(k, v) for k, v in out if k.startswith("x-user-")]
    assert identity == [
        ("x-user-id", "alice"),
        ("x-user-email", "alice@example.com"),
        ("x-user-role", "user"),
    ]
    assert [v for k, v in out if k == "x-gateway-secret"] == ["s1"]
