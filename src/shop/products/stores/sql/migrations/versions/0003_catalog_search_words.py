"""catalog word index: a search term's whole words looked up, not its trigrams walked

Revision ID: 0003_catalog_search_words
Revises: 0002_catalog_indexes
Create Date: 2026-11-30 09:30:00

A term of several words ("lamp 123456") made the trigram indexes intersect the posting
lists of word-boundary trigrams such as "  1" and " 12", which hold a share of every
product: its cost grew with the catalog however few products matched. This GIN index
holds each product's words (its lower-cased name and description split at every
character that is not a letter or digit), so the words of such a term are found from
the products that hold them. The substring test stays the exact check (catalog.py and
search_words.py say which terms use it). PostgreSQL only: SQLite's FTS5 trigram table
and MongoDB's regex answer the same substring match, unchanged.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_catalog_search_words"
down_revision: str | None = "0002_catalog_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One expression for the index and the queries (the planner inlines it in both, so they
# match). A lexeme may not exceed 2047 bytes: runs of letters and digits are cut every
# 255 characters (PostgreSQL's largest regex repeat, at most 1,020 bytes); a run's start,
# the only place a term's word is looked up, is always a cut, and terms are shorter.
_WORDS_FUNCTION = r"""
CREATE FUNCTION product_search_words(name text, description text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_tsvector(array_remove(regexp_split_to_array(
    regexp_replace(lower(name || ' ' || description), '([[:alnum:]]{255})', '\1 ', 'g'),
    '[^[:alnum:]]+'), ''))
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_WORDS_FUNCTION)
    op.execute(
        "CREATE INDEX ix_products_search_words ON products "
        "USING gin (product_search_words(name, description))"
    )
    # Statistics on the index's expression (how often each word occurs): without them the
    # planner guesses 2% of the catalog for any word and may walk a sort index instead.
    op.execute("ANALYZE products")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_products_search_words")
    op.execute("DROP FUNCTION IF EXISTS product_search_words(text, text)")
