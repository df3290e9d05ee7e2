"""Domain errors every service raises, and how they map to HTTP and gRPC status codes."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]  # no stubs published
import grpc
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


class AppError(Exception):
    """An error whose message is safe to show a client."""

    status_code = 400
    grpc_code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, message: str, *, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class ValidationFailed(AppError):
    status_code = 400
    grpc_code = grpc.StatusCode.INVALID_ARGUMENT


class Unauthorized(AppError):
    status_code = 401
    grpc_code = grpc.StatusCode.UNAUTHENTICATED


class PaymentRequired(AppError):
    status_code = 402
    grpc_code = grpc.StatusCode.FAILED_PRECONDITION


class Forbidden(AppError):
    status_code = 403
    grpc_code = grpc.StatusCode.PERMISSION_DENIED


class NotFound(AppError):
    status_code = 404
    grpc_code = grpc.StatusCode.NOT_FOUND


class Conflict(AppError):
    status_code = 409
    grpc_code = grpc.StatusCode.FAILED_PRECONDITION


class AlreadyExists(Conflict):
    grpc_code = grpc.StatusCode.ALREADY_EXISTS


class ServiceUnavailable(AppError):
    status_code = 503
    grpc_code = grpc.StatusCode.UNAVAILABLE


class UpstreamTimeout(AppError):
    status_code = 504
    grpc_code = grpc.StatusCode.DEADLINE_EXCEEDED


# A database that cannot be reached (cut, restarting, out of connection slots) is an outage,
# not a bug: answered 503 / UNAVAILABLE, which clients and the order service retry, never a
# 500. These classes may be one; is_store_outage() decides.
STORE_ERRORS: tuple[type[Exception], ...] = (
    DBAPIError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    ConnectionError,
)
# SQLSTATE classes: connection exception, insufficient resources, operator intervention.
_OUTAGE_SQLSTATES = ("08", "53", "57P")


def is_store_outage(exc: BaseException) -> bool:
    """Whether `exc` says the database could not be reached, rather than a bug."""
    if isinstance(exc, OperationalError | InterfaceError | ConnectionError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = getattr(exc, "orig", None)
    for candidate in (exc, orig, getattr(orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_OUTAGE_SQLSTATES):
            return True
    return False


# MySQL/MariaDB ER_LOCK_DEADLOCK; PostgreSQL deadlock_detected and serialization_failure.
_DEADLOCK_CODES = (1213, "40P01", "40001")


def is_deadlock(exc: BaseException) -> bool:
    """Whether the database chose this transaction as a deadlock's victim: nothing was
    written, and running the transaction again is the documented remedy."""
    orig = getattr(exc, "orig", None)
    for candidate in (exc, orig, getattr(orig, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None)
        args = getattr(candidate, "args", ())
        if code in _DEADLOCK_CODES or (args and args[0] in _DEADLOCK_CODES):
            return True
    return False


def outage_reason(exc: Exception) -> str:
    """The driver's error class and code (MySQL 2003, a PostgreSQL SQLSTATE): enough to tell
    a refused connection from a deadlock, and never a value the query carried."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlstate", None) or (orig.args[0] if orig.args else None)
    return (
        f"{type(orig).__name__} {code}"
        if isinstance(code, int | str) and len(str(code)) < 8
        else type(orig).__name__
    )
