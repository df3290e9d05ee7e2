"""The worker's one table: every event it has claimed or mailed, by event id."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table

metadata = MetaData()

deliveries = Table(
    "notification_deliveries",
    metadata,
    # The CloudEvent id: its primary key is what makes redelivery harmless.
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(100), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(300), nullable=False),
    # "pending" from the claim until the transport accepted the mail, then "sent".
    Column("status", String(16), nullable=False),
    # The worker process holding a pending claim, and since when (a lease).
    Column("claimed_by", String(32), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("sent_at", DateTime(timezone=True), nullable=True),
)
