"""The usual first-run failures (a port taken, a database out of reach) as one sentence
that says what to do, instead of a traceback."""

from __future__ import annotations

import os
import socket
import urllib.parse
from pathlib import Path

# Which variable moves which port (the names CONTRACT.md and the README give).
PORT_VARIABLES = {
    ("gateway", "REST"): "GATEWAY_PORT",
    ("users", "REST"): "USER_SERVICE_PORT",
    ("products", "REST"): "PRODUCT_SERVICE_PORT",
    ("orders", "REST"): "ORDER_SERVICE_PORT",
    ("users", "gRPC"): "USER_SERVICE_GRPC_PORT",
    ("products", "gRPC"): "PRODUCT_SERVICE_GRPC_PORT",
    ("orders", "gRPC"): "ORDER_SERVICE_GRPC_PORT",
    ("notifications", "REST"): "NOTIFICATION_PORT",
}
DATABASE_VARIABLES = {
    "users": ("MYSQL_URI",),
    "products": ("MONGODB_URI", "PRODUCT_SQL_URI"),
    "orders": ("POSTGRESQL_URI",),
    "notifications": ("NOTIFICATION_DB_URI",),
}
RESERVE_PORTS = "sudo sysctl -w net.ipv4.ip_local_reserved_ports=3000-3005,9100,50051-50053"


class PortUnavailable(Exception):
    """A server could not bind its port (held by another program)."""

    def __init__(self, *, port: int, kind: str, waited_seconds: float = 0.0) -> None:
        super().__init__(f"{kind} port {port} is in use")
        self.port, self.kind, self.waited_seconds = port, kind, waited_seconds


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could bind host:port now (as uvicorn and gRPC would: SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host if host not in ("", "[::]") else "0.0.0.0", port))
        except OSError:
            return False
        return True


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for outgoing connections' local ports (Linux default otherwise)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def _port_sentence(service: str, exc: PortUnavailable) -> str:
    variable = PORT_VARIABLES.get((service, exc.kind), "its port variable")
    listening = _something_listens(exc.port)
    low, high = ephemeral_range()
    if not listening and low <= exc.port <= high:
        return (
            f"{exc.kind} port {exc.port} stayed taken for {exc.waited_seconds:g} s, most likely "
            f"by an outgoing connection of some program ({low}-{high} is this machine's "
            f"ephemeral port range): reserve the platform's ports with `{RESERVE_PORTS}`, "
            f"or set {variable} to a port outside that range"
        )
    return (
        f"{exc.kind} port {exc.port} is already in use: stop what holds it "
        f"(`ss -ltnp 'sport = :{exc.port}'` shows it), or set {variable} to a free port"
    )


def _something_listens(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _shown(url: str) -> str:
    """A database URL without its password."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _is_database_error(exc: BaseException) -> bool:
    kinds = {type(e).__module__.split(".")[0] for e in _chain(exc)}
    return bool(kinds & {"sqlalchemy", "asyncpg", "asyncmy", "pymongo", "aiosqlite", "sqlite3"})


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _database_sentence(service: str, exc: BaseException) -> str:
    variables = DATABASE_VARIABLES.get(service, ())
    chosen = next((v for v in variables if os.environ.get(v)), None)
    where = (
        f"{_shown(os.environ[chosen])} ({chosen})"
        if chosen
        else f"the embedded SQLite file under DATA_DIR ({' or '.join(variables)} unset)"
    )
    detail = " ".join(str(_chain(exc)[-1]).split())[:200] or type(exc).__name__
    lowered = detail.lower()
    if any(w in lowered for w in ("password", "access denied", "authentication", "role")):
        problem = "refused the login (check the user and password in the URL)"
    elif any(w in lowered for w in ("does not exist", "unknown database")):
        problem = "has no such database (create it, or fix the name in the URL)"
    elif chosen:
        problem = "cannot be reached (is the server running, and are host and port right?)"
    else:
        problem = "cannot be opened (is DATA_DIR writable?)"
    return f"the database at {where} {problem}: {detail}"


def describe(service: str, exc: BaseException) -> str | None:
    """One sentence for a known start-up failure of `service`, or None for anything else."""
    if isinstance(exc, PortUnavailable):
        return _port_sentence(service, exc)
    if _is_database_error(exc) or (isinstance(exc, OSError) and _database_url_set(service)):
        return _database_sentence(service, exc)
    return None


def _database_url_set(service: str) -> bool:
    return any(os.environ.get(v) for v in DATABASE_VARIABLES.get(service, ()))
