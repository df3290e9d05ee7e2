"""When a worker may mail an event another claim already names: the one rule both
deliveries paths (SQLAlchemy, and the stdlib driver on a SQLite file) apply."""

from __future__ import annotations

from datetime import datetime, timedelta

from shop.notifications.failures import TransientFailure

LOST_TAKE_OVER = "another worker took this event over"


def may_take_over(
    *,
    status: str,
    claimed_by: str,
    claimed_at: datetime,
    worker_id: str,
    now: datetime,
    lease: timedelta,
) -> bool:
    """False when the event was sent already; True when this worker may take the claim over
    (its own, or one whose lease ran out); TransientFailure while another worker's claim is
    fresh (it may be mailing it right now)."""
    if status == "sent":
        return False
    if claimed_by != worker_id and now - claimed_at < lease:
        raise TransientFailure("another worker is handling this event")
    return True
