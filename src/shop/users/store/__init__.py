"""Persistence of the user service: tables, migrations and repositories.

Only this folder knows the database; nothing in it commits (the use cases do, through the
unit of work)."""

from __future__ import annotations

from pathlib import Path

from shop.common.migrations import upgrade_to_head_async

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


async def migrate(url: str) -> None:
    """Applies every migration (a no-op when the schema is current)."""
    await upgrade_to_head_async(MIGRATIONS_DIR, url)
