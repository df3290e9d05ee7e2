"""The gRPC status an exception raised by a handler stands for, for a call
(`grpc_server.translate_errors`) and for a batch's item (`grpc_batch.answer_each`) alike."""

from __future__ import annotations

import grpc

from shop.common.errors import AppError, is_store_outage, outage_reason
from shop.common.logging import get_logger

log = get_logger("shop.grpc")


def failure_status(exc: Exception, method: str) -> tuple[grpc.StatusCode, str]:
    """The status a call, or a batch's item (`grpc_batch`), ends with when its handler
    raised `exc`: an AppError's own, UNAVAILABLE for a store outage (a warning), else
    UNKNOWN (logged with its traceback). No AppError maps to UNKNOWN."""
    if isinstance(exc, AppError):
        return exc.grpc_code, exc.message
    if is_store_outage(exc):
        log.warning("store_unavailable", method=method, reason=outage_reason(exc))
        return grpc.StatusCode.UNAVAILABLE, "Service temporarily unavailable"
    log.exception("rpc_failed", method=method)
    return grpc.StatusCode.UNKNOWN, "Unexpected error"
