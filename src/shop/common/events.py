"""Domain events and their CloudEvents (structured mode) envelope."""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime
from typing import Any, ClassVar

from shop.common.ids import new_id
from shop.common.tracing import TRACEPARENT, current_traceparent

EXCHANGE = "shop.events"


@dataclasses.dataclass(frozen=True)
class DomainEvent:
    """Base of every event; subclasses are frozen dataclasses naming their routing key."""

    type: ClassVar[str]

    def data(self) -> dict[str, Any]:
        # Shallow: the envelope is serialised at once and never changed, so asdict's deep
        # copy of every item and address was pure cost (orjson writes dataclasses alike).
        return {key: getattr(self, name) for key, name in _keys(self.__class__)}


_KEYS: dict[type, tuple[tuple[str, str], ...]] = {}


def _keys(cls: type) -> tuple[tuple[str, str], ...]:
    # Per class, once: dataclasses.fields() walks and filters every field on each call.
    keys = _KEYS.get(cls)
    if keys is None:
        keys = _KEYS[cls] = tuple((_camel(f.name), f.name) for f in dataclasses.fields(cls))
    return keys


@functools.cache
def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def cloud_event(
    *, event_type: str, source: str, data: dict[str, Any], request_id: str | None
) -> dict[str, Any]:
    """A CloudEvents 1.0 structured-mode dict; `requestid` and `traceparent` (W3C, the span
    of the request that caused it, when tracing is on) are extension attributes."""
    envelope: dict[str, Any] = {
        "specversion": "1.0",
        "id": new_id(),
        "source": source,
        "type": event_type,
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }
    if request_id:
        envelope["requestid"] = request_id
    traceparent = current_traceparent()
    if traceparent:
        envelope[TRACEPARENT] = traceparent
    return envelope
