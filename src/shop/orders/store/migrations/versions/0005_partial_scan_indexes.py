"""partial indexes for the recovery scan and the outbox claim (PostgreSQL)

Revision ID: 0005_partial_scan_indexes
Revises: 0004_order_driver_lease
Create Date: 2026-12-01 00:00:00

ix_orders_status_updated served only the recovery loop's two scans: PENDING orders, and
CANCELLED/FAILED orders whose compensation is unsettled. As a full index it took an entry
for every order's every status change (confirming an order is not a HOT update: status is
indexed elsewhere too); as a partial index over just those rows, a CONFIRMED order's new
version adds none. The outbox's claim index becomes partial too
(shop.common.outbox.narrow_outbox_unpublished_index says why). SQLite keeps both as they
were: it is the embedded store, and these are write-cost savings.
"""

from collections.abc import Sequence

from shop.common.migrations import rebuild_index_on_postgresql
from shop.common.outbox import (
    narrow_outbox_unpublished_index,
    widen_outbox_unpublished_index,
)

revision: str = "0005_partial_scan_indexes"
down_revision: str | None = "0004_order_driver_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As models.RECOVERY_SCAN_WHERE (a migration keeps its own copy: the model may move on).
_RECOVERY_SCAN_WHERE = (
    "status = 'PENDING' OR (status IN ('CANCELLED', 'FAILED') AND settled_at IS NULL)"
)


def upgrade() -> None:
    rebuild_index_on_postgresql(
        "ix_orders_status_updated", "orders", ["status", "updated_at"], where=_RECOVERY_SCAN_WHERE
    )
    narrow_outbox_unpublished_index()


def downgrade() -> None:
    widen_outbox_unpublished_index()
    rebuild_index_on_postgresql("ix_orders_status_updated", "orders", ["status", "updated_at"])
