"""The worker's one table: every event it has handled, by event id."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text

metadata = MetaData()

delivered_notifications = Table(
    "delivered_notifications",
    metadata,
    # The CloudEvent id: its primary key is what makes redelivery harmless.
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(100), nullable=False),
    Column("recipient", String(320), nullable=True),
    Column("message", Text, nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("delivered_at", DateTime(timezone=True), nullable=False),
)
