"""finer statistics on the trigram indexes' expressions (PostgreSQL)

Revision ID: 0005_search_statistics
Revises: 0004_partial_scan_indexes
Create Date: 2026-12-01 00:00:00

Whether a term is searched through the trigram indexes (every match found, then sorted)
or by walking the sort index (cheap for a common term) follows the planner's estimate of
its matches. For `LIKE '%term%'` that estimate is the share of the expression's histogram
that matches, never under 1 in 10,000; PostgreSQL takes the histogram of lower(name) from
the trigram index's own statistics (ANALYZE gathers them for an index on an expression)
before any statistics object (migration 0002's). At the default target that histogram has
100 entries: a word in 2% of a million products was missing from it for 30 of 50 such
words in one ANALYZE, estimated at 200 matches instead of 20,000, and its page took 19 ms
instead of 2-3 (bench.catalog). With 1,000 entries (ANALYZE then samples 300,000 rows
instead of 30,000) such a word is expected 20 times in each.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_search_statistics"
down_revision: str | None = "0004_partial_scan_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_STATISTICS_TARGET = 1000
_INDEXES = ("ix_products_name_trgm", "ix_products_description_trgm")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _INDEXES:
        op.execute(f"ALTER INDEX {name} ALTER COLUMN 1 SET STATISTICS {SEARCH_STATISTICS_TARGET}")
    op.execute("ANALYZE products")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _INDEXES:
        op.execute(f"ALTER INDEX {name} ALTER COLUMN 1 SET STATISTICS -1")
