"""order_items.name: the product's name at placement, for the confirmation mail

Revision ID: 0002_order_item_names
Revises: 0001_orders_initial
Create Date: 2026-11-30 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_order_item_names"
down_revision: str | None = "0001_orders_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: lines placed before this revision have no recorded name.
    op.add_column("order_items", sa.Column("name", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("order_items", "name")
