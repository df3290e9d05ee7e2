"""The worker's metrics (the contract's names)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

NOTIFICATIONS = Counter(
    "notifications_total", "Events handled by the worker, by outcome", ["type", "result"]
)
QUEUE_DEPTH = Gauge("notifications_queue_depth", "Messages ready in the worker's queue")
DLQ_DEPTH = Gauge("notifications_dlq_depth", "Messages in the worker's dead-letter queue")
