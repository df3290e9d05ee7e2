"""Dialect-aware INSERT ... ON CONFLICT, so a conflict costs no extra round trip."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

Insert = postgresql.Insert | sqlite.Insert


def conflict_insert(dialect: str, table: Table) -> Insert:
    """An INSERT that supports `on_conflict_do_*` on the order store's two databases."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
