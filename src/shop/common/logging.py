"""structlog JSON logs; every line carries the current request id."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import orjson
import structlog
from structlog.typing import EventDict, WrappedLogger

from shop.common.context import get_request_id

_SECRET_KEY = re.compile(r"password|token|secret|authorization|cookie", re.IGNORECASE)
# Keys seen on every request line; checked once here, not matched per line.
_SAFE_KEYS = frozenset(
    {
        "event",
        "level",
        "timestamp",
        "service",
        "request_id",
        "method",
        "route",
        "status",
        "duration_ms",
        "logger",
    }
)


def _add_request_id(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    request_id = get_request_id()
    if request_id and "request_id" not in event:
        event["request_id"] = request_id
    return event


def _redact_secrets(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    # Belt and braces: a secret passed to a log call by mistake never reaches the output.
    for key in event.keys() - _SAFE_KEYS:
        if _SECRET_KEY.search(key):
            event[key] = "[redacted]"
    return event


def configure_logging(*, service: str, level: str = "INFO") -> None:
    """Route structlog and stdlib logging to one JSON stream on stdout."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_request_id,
        _redact_secrets,
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=orjson.dumps),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.BytesLoggerFactory(sys.stdout.buffer),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    # uvicorn's access log duplicates our own request log line.
    logging.getLogger("uvicorn.access").disabled = True


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
