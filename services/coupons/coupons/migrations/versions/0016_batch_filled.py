"""Coupon batches are filled by the worker in chunks (E3, ADR 0009): how many codes are written.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("coupon_batches") as batch:
        batch.add_column(sa.Column("filled", sa.Integer(), nullable=False, server_default="0"))
    # Batches made before were made in one transaction: every code exists.
    op.execute("UPDATE coupon_batches SET filled = quantity")


def downgrade() -> None:
    with op.batch_alter_table("coupon_batches") as batch:
        batch.drop_column("filled")
