"""structlog logs: JSON for machines, short coloured lines on a terminal; every line carries
the current request id."""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import Any, Literal

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


LogFormat = Literal["json", "console"]


def log_format() -> LogFormat:
    """`LOG_FORMAT` (json or console) when set, else console on a terminal and JSON elsewhere.

    Read here rather than in each settings object: it is a property of where stdout goes,
    decided before any settings exist (the launcher decides it for its piped children).
    """
    chosen = os.environ.get("LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "console"):
        return chosen  # type: ignore[return-value]
    return "console" if sys.stdout.isatty() else "json"


def use_colors() -> bool:
    """Colours on a terminal, or when the launcher asks (FORCE_COLOR); never with NO_COLOR."""
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


class _ConsoleLine:
    """`HH:MM:SS level event key=value`, after the process name (the launcher prefixes
    nothing: every process names itself)."""

    def __init__(self, *, colors: bool) -> None:
        self._render = structlog.dev.ConsoleRenderer(
            colors=colors,
            pad_event_to=24,
            # Plain tracebacks: rich's show local variables, and locals can hold secrets.
            exception_formatter=structlog.dev.plain_traceback,
        )
        self._colors = colors

    def __call__(self, logger: WrappedLogger, name: str, event: EventDict) -> str:
        service = str(event.pop("service", ""))
        if isinstance(event.get("request_id"), str):
            # Eight hex digits tell requests apart by eye; JSON logs keep the whole id.
            event["request_id"] = event["request_id"][:8]
        prefix = f"{service:<14}"
        if self._colors:
            prefix = f"\x1b[{_service_color(service)}m{prefix}\x1b[0m"
        line = self._render(logger, name, event)
        return f"{prefix} {line}"


_COLORS = ("36", "35", "34", "33", "32", "96", "95", "94")


def _service_color(service: str) -> str:
    # Stable per name, so a process keeps its colour across restarts.
    return _COLORS[sum(service.encode()) % len(_COLORS)]


def configure_logging(*, service: str, level: str = "INFO") -> None:
    """Route structlog and stdlib logging to one stream on stdout (see `log_format`)."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    console = log_format() == "console"
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="%H:%M:%S" if console else "iso", utc=not console),
        _add_request_id,
        _redact_secrets,
    ]
    renderer: Any = (
        _ConsoleLine(colors=use_colors())
        if console
        else structlog.processors.JSONRenderer(serializer=orjson.dumps)
    )
    structlog.configure(
        processors=[
            *shared,
            *([] if console else [structlog.processors.format_exc_info]),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=(
            structlog.PrintLoggerFactory(sys.stdout)
            if console
            else structlog.BytesLoggerFactory(sys.stdout.buffer)
        ),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _ConsoleLine(colors=use_colors())
                if console
                else structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    # uvicorn's access log duplicates our own request log line.
    logging.getLogger("uvicorn.access").disabled = True
    # aiormq logs an error on every failed connection attempt; our callers retry and say
    # "broker_unreachable" once (RepeatedWarning), so its per-attempt line is only noise.
    logging.getLogger("aiormq.connection").setLevel(logging.CRITICAL)
    if console:
        # Read by a person: uvicorn's and alembic's start-up chatter says nothing our own
        # `service_ready` line does not (and "0.0.0.0:port (Press CTRL+C)" misleads).
        for chatty in ("uvicorn.error", "alembic"):
            logging.getLogger(chatty).setLevel(max(numeric, logging.WARNING))


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
