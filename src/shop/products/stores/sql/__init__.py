"""The SQL store (SQLite by default, PostgreSQL with JSONB): `store.SqlProductStore`."""

from __future__ import annotations

from pathlib import Path

from shop.common.migrations import upgrade_to_head_async

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


async def migrate(url: str) -> None:
    """Applies every migration (a no-op when the schema is current)."""
    await upgrade_to_head_async(MIGRATIONS_DIR, url)
