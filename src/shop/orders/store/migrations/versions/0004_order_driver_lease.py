"""orders.driver_id, orders.lease_until: which process drives a PENDING order, and until when

Revision ID: 0004_order_driver_lease
Revises: 0003_order_list_indexes
Create Date: 2026-11-30 00:00:00

The process placing an order keeps its lease fresh while it drives the saga; once the lease
has run out, nobody is driving the order and a replay or the recovery loop may take it over.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_order_driver_lease"
down_revision: str | None = "0003_order_list_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: orders placed before this revision have no lease (recovery's grace applies).
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("driver_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("driver_id")
