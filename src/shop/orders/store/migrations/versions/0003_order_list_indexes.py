"""order listings read in index order: (user_id | status, created_at, id)

Revision ID: 0003_order_list_indexes
Revises: 0002_order_item_names
Create Date: 2026-11-30 00:00:00

A user's history and the admin's list by status are both newest first with id as the
tiebreak; with the id in the index a page is read in order and stops at LIMIT.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_order_list_indexes"
down_revision: str | None = "0002_order_item_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_orders_user_created", table_name="orders")
    op.create_index("ix_orders_user_created_id", "orders", ["user_id", "created_at", "id"])
    op.create_index("ix_orders_status_created_id", "orders", ["status", "created_at", "id"])
    op.create_index("ix_orders_created_id", "orders", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_orders_created_id", table_name="orders")
    op.drop_index("ix_orders_status_created_id", table_name="orders")
    op.drop_index("ix_orders_user_created_id", table_name="orders")
    op.create_index("ix_orders_user_created", "orders", ["user_id", "created_at"])
