"""Coupons redeemed on orders being placed (E4): when to ask the orders service whether the
order exists, so coupons of an order that never was go back to their holders.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("coupons") as batch:
        batch.add_column(sa.Column("order_check_due_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_coupons_order_check_due", "coupons", ["order_check_due_at"])


def downgrade() -> None:
    op.drop_index("ix_coupons_order_check_due", table_name="coupons")
    with op.batch_alter_table("coupons") as batch:
        batch.drop_column("order_check_due_at")
