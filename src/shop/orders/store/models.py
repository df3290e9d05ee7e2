"""Tables of the order store (PostgreSQL in production, SQLite embedded)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from shop.common.outbox import define_outbox_table
from shop.orders.domain import Order

metadata = MetaData()
# The rows recovery scans: orders being driven, and compensations not yet settled
# (domain.SETTLED_BY_COMPENSATION). Migration 0005 holds its own copy.
RECOVERY_SCAN_WHERE = (
    "status = 'PENDING' OR (status IN ('CANCELLED', 'FAILED') AND settled_at IS NULL)"
)
JSON_DOC = JSON().with_variant(JSONB(), "postgresql")
_ID = BigInteger().with_variant(Integer(), "sqlite")

orders = Table(
    "orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), nullable=False),
    Column("user_email", String(320), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("shipping_address", JSON_DOC, nullable=False),
    Column("idempotency_key", String(200), nullable=True),
    Column("request_hash", String(64), nullable=True),
    # Why a FAILED order failed, so an idempotent replay answers with the same status code.
    Column("failure_code", Integer, nullable=True),
    Column("failure_reason", String(300), nullable=True),
    # Set once a CANCELLED/FAILED order's stock is released and its charge refunded;
    # the recovery loop finishes compensations a crash interrupted.
    Column("settled_at", DateTime(timezone=True), nullable=True),
    # The process driving a PENDING order and until when its lease holds (it renews it
    # while it drives); past that, a replay or the recovery loop may take the order over.
    Column("driver_id", String(36), nullable=True),
    Column("lease_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user_id", "idempotency_key", name="uq_orders_user_idempotency_key"),
    Index("ix_orders_user_created_id", "user_id", "created_at", "id"),
    Index("ix_orders_status_created_id", "status", "created_at", "id"),
    Index("ix_orders_created_id", "created_at", "id"),
    # Only the recovery scans read it (order_reads.ids_in_status_before for PENDING,
    # unsettled_ids_before): partial on PostgreSQL, so a CONFIRMED order adds no entry.
    Index(
        "ix_orders_status_updated",
        "status",
        "updated_at",
        postgresql_where=text(RECOVERY_SCAN_WHERE),
    ),
)

order_items = Table(
    "order_items",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("order_id", String(36), ForeignKey("orders.id"), nullable=False, index=True),
    Column("product_id", String(100), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("unit_price", BigInteger, nullable=False),
    Column("name", String(200), nullable=True),
)

order_status_history = Table(
    "order_status_history",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("order_id", String(36), ForeignKey("orders.id"), nullable=False, index=True),
    Column("from_status", String(16), nullable=True),
    Column("to_status", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("reason", String(300), nullable=False),
)

# Our record of an order's payment, written with the transition that settles the order.
payments = Table(
    "payments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("orders.id"), nullable=False, unique=True),
    Column("provider", String(50), nullable=False),
    Column("charge_id", String(100), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The mock provider's own ledger (a real provider keeps this on its side): one row per
# order id, so a retried charge returns the first result and is never taken twice.
mock_charges = Table(
    "mock_payment_charges",
    metadata,
    Column("charge_id", String(36), primary_key=True),
    Column("order_id", String(36), nullable=False, unique=True),
    Column("amount", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

outbox = define_outbox_table(metadata)


def order_row(order: Order) -> dict[str, Any]:
    """The orders table's row of an order (its lines and history are rows of their own)."""
    return {
        "id": order.id,
        "user_id": order.user_id,
        "user_email": order.user_email,
        "status": order.status.value,
        "total": order.total,
        "shipping_address": order.shipping_address,
        "idempotency_key": order.idempotency_key,
        "request_hash": order.request_hash,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "driver_id": order.driver_id,
        "lease_until": order.lease_until,
    }
