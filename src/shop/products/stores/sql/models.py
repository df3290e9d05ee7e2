"""Tables of the SQL store (SQLite by default, PostgreSQL with JSONB when configured)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from shop.common.outbox import define_outbox_table

metadata = MetaData()
JSON_DOC = JSON().with_variant(JSONB(), "postgresql")
_SORTED_BY = ("price", "created_at", "name")  # each listing sort, then id as the tiebreak

products = Table(
    "products",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("price", BigInteger, nullable=False),
    Column("category", String(100), nullable=False),
    Column("sku", String(100), nullable=False, unique=True),
    Column("stock", BigInteger, nullable=False),
    Column("reserved", BigInteger, nullable=False),
    Column("sold", BigInteger, nullable=False),
    Column("stocked", BigInteger, nullable=False),
    Column("low_stock_threshold", BigInteger, nullable=False),
    Column("attributes", JSON_DOC, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The database itself refuses an oversell, whatever a bug upstream might try.
    CheckConstraint("stock >= 0 AND reserved >= 0 AND sold >= 0", name="ck_products_counts"),
    # Migration 0002 also adds the search indexes (pg_trgm on PostgreSQL, FTS5 on SQLite).
    *(Index(f"ix_products_{c}_id", c, "id") for c in _SORTED_BY),
    *(Index(f"ix_products_category_{c}_id", "category", c, "id") for c in _SORTED_BY),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(100), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("items", JSON_DOC, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Only the sweeper reads it (store.due_reservations, live ones): partial on PostgreSQL
    # (migration 0004), so a committed or released reservation adds no entry.
    Index(
        "ix_reservations_status_expires",
        "status",
        "expires_at",
        postgresql_where=text("status = 'reserved'"),
    ),
)

outbox = define_outbox_table(metadata)
