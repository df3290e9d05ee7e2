"""Domain errors every service raises, and how they map to HTTP and gRPC status codes."""

from __future__ import annotations

import grpc


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
