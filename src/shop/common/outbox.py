"""The transactional outbox table: events written in the same transaction as the change."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shop.common.clock import utcnow as utcnow  # re-exported: the outbox's timestamps

# SQLite autoincrements only INTEGER PRIMARY KEY; everywhere else a BIGINT is right.
_ID = BigInteger().with_variant(Integer(), "sqlite")


def define_outbox_table(metadata: MetaData) -> Table:
    """Adds the outbox table to a service's metadata (each service owns its own copy)."""
    return Table(
        "outbox",
        metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("event_type", String(100), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, default=utcnow),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        # PostgreSQL's migrations narrow it to a partial index on id
        # (narrow_outbox_unpublished_index); MariaDB and SQLite keep this one.
        Index("ix_outbox_unpublished", "published_at", "id"),
    )


def create_outbox_table_v1() -> None:
    """The outbox as every service's first migration creates it (call inside upgrade()).

    Versioned by name: a later change to the outbox gets a new function and a new
    migration, so this one keeps describing what old migrations did.
    """
    from alembic import op

    op.create_table(
        "outbox",
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False),
        Column("event_type", String(100), nullable=False),
        Column("payload", Text(), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer(), nullable=False),
        UniqueConstraint("event_id", name="uq_outbox_event_id"),
    )
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at", "id"])


def narrow_outbox_unpublished_index() -> None:
    """On PostgreSQL, replaces ix_outbox_unpublished (published_at, id) by a partial index
    on id over the unpublished rows only (call inside upgrade()); other dialects keep it.

    Why: the relay claims `WHERE published_at IS NULL ORDER BY id LIMIT n`, which the
    partial index answers in order (a plain index scan, so it marks the dead entries it
    meets and later claims skip them; the full index gave a bitmap scan plus a sort that
    visited every dead version left by mark-sent until vacuum), and marking an event sent
    no longer adds an entry to it. MariaDB has no partial indexes; SQLite stays as it is.
    """
    from shop.common.migrations import rebuild_index_on_postgresql

    rebuild_index_on_postgresql(
        "ix_outbox_unpublished", "outbox", ["id"], where="published_at IS NULL"
    )


def widen_outbox_unpublished_index() -> None:
    """Undoes `narrow_outbox_unpublished_index` (call inside downgrade())."""
    from shop.common.migrations import rebuild_index_on_postgresql

    rebuild_index_on_postgresql("ix_outbox_unpublished", "outbox", ["published_at", "id"])
