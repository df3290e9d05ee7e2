"""Persistence: tables, migrations, the SQL repositories and the unit of work over them.

Only this package knows the database (PostgreSQL in production, SQLite embedded).
"""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
