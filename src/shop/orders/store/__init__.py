"""Persistence: tables, migrations, the SQL repositories and the unit of work over them.

Only this package knows the database (PostgreSQL in production, SQLite embedded).
"""

from __future__ import annotations

from pathlib import Path

from shop.common.migrations import upgrade_to_head_async

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


async def migrate(url: str) -> None:
    """Applies every migration (a no-op when the schema is current)."""
    await upgrade_to_head_async(MIGRATIONS_DIR, url)
