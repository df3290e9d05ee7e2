"""partial indexes for the reservation sweep and the outbox claim (PostgreSQL)

Revision ID: 0004_partial_scan_indexes
Revises: 0003_catalog_search_words
Create Date: 2026-12-01 00:00:00

ix_reservations_status_expires served only the sweeper's scan of live reservations
(store.due_reservations: status 'reserved', expired); as a full index it took an entry for
every reservation's every status change (a commit or release is not a HOT update: status
is indexed). Partial over the 'reserved' rows, a committed reservation's new version adds
none. The outbox's claim index becomes partial too
(shop.common.outbox.narrow_outbox_unpublished_index says why). SQLite keeps both as they
were: it is the embedded store, and these are write-cost savings.
"""

from collections.abc import Sequence

from shop.common.migrations import rebuild_index_on_postgresql
from shop.common.outbox import (
    narrow_outbox_unpublished_index,
    widen_outbox_unpublished_index,
)

revision: str = "0004_partial_scan_indexes"
down_revision: str | None = "0003_catalog_search_words"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    rebuild_index_on_postgresql(
        "ix_reservations_status_expires",
        "reservations",
        ["status", "expires_at"],
        where="status = 'reserved'",
    )
    narrow_outbox_unpublished_index()


def downgrade() -> None:
    widen_outbox_unpublished_index()
    rebuild_index_on_postgresql(
        "ix_reservations_status_expires", "reservations", ["status", "expires_at"]
    )
