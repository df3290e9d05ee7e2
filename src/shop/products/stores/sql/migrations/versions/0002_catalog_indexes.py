"""catalog indexes for large catalogs: substring search, filter + sort, id tiebreak

Revision ID: 0002_catalog_indexes
Revises: 0001_products_initial
Create Date: 2026-11-30 00:00:00

Search is a case-insensitive substring match on name or description. On PostgreSQL a
trigram GIN index on lower(name) and lower(description) serves `LIKE '%term%'`; on SQLite
an FTS5 table with the trigram tokenizer (kept in step by triggers) does. Every listing
sorts by one column then id, and may filter by category: one B-tree per (category?, sort,
id), so a page is read in index order and stops at LIMIT instead of sorting every match.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_catalog_indexes"
down_revision: str | None = "0001_products_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SORTS = ("price", "created_at", "name")
_OLD = ("ix_products_category_price", "ix_products_price", "ix_products_created_at")

# External-content FTS5 over products' rowid; the triggers are SQLite's documented recipe.
_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE products_fts USING fts5("
    "name, description, content='products', content_rowid='rowid', tokenize='trigram')",
    "CREATE TRIGGER products_fts_ai AFTER INSERT ON products BEGIN "
    "INSERT INTO products_fts(rowid, name, description) "
    "VALUES (new.rowid, new.name, new.description); END",
    "CREATE TRIGGER products_fts_ad AFTER DELETE ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, name, description) "
    "VALUES ('delete', old.rowid, old.name, old.description); END",
    "CREATE TRIGGER products_fts_au AFTER UPDATE OF name, description ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, name, description) "
    "VALUES ('delete', old.rowid, old.name, old.description); "
    "INSERT INTO products_fts(rowid, name, description) "
    "VALUES (new.rowid, new.name, new.description); END",
    "INSERT INTO products_fts(products_fts) VALUES ('rebuild')",
)


def upgrade() -> None:
    for name in _OLD:
        op.drop_index(name, table_name="products")
    for column in _SORTS:
        op.create_index(f"ix_products_{column}_id", "products", [column, "id"])
        op.create_index(f"ix_products_category_{column}_id", "products", ["category", column, "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in ("name", "description"):
            op.execute(
                f"CREATE INDEX ix_products_{column}_trgm ON products "
                f"USING gin (lower({column}) gin_trgm_ops)"
            )
            # A GIN index gives the planner no statistics on its expression; without them
            # it guesses 100 matches for any word and sorts 20,000 rows of a common one
            # instead of walking the sort index (PostgreSQL 14+).
            op.execute(
                f"CREATE STATISTICS IF NOT EXISTS st_products_lower_{column} "
                f"ON (lower({column})) FROM products"
            )
    else:
        for statement in _SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in ("name", "description"):
            op.execute(f"DROP STATISTICS IF EXISTS st_products_lower_{column}")
            op.execute(f"DROP INDEX IF EXISTS ix_products_{column}_trgm")
    else:
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS products_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS products_fts")
    for column in _SORTS:
        op.drop_index(f"ix_products_category_{column}_id", table_name="products")
        op.drop_index(f"ix_products_{column}_id", table_name="products")
    op.create_index("ix_products_category_price", "products", ["category", "price"])
    op.create_index("ix_products_price", "products", ["price"])
    op.create_index("ix_products_created_at", "products", ["created_at"])
