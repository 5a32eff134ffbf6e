"""Physical coupon batches and their stock ledger (E3).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _base_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("coupons") as batch:
        batch.add_column(sa.Column("batch_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("serial", sa.Integer(), nullable=True))
    op.create_index("ix_coupons_batch_id", "coupons", ["batch_id"])
    op.create_table(
        "coupon_batches",
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_coupon_batches_tenant_id", "coupon_batches", ["tenant_id"])
    op.create_table(
        "coupon_batch_movements",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("buyer", sa.String(length=60), nullable=False),
        sa.Column("first_serial", sa.Integer(), nullable=False),
        sa.Column("last_serial", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=False),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_coupon_batch_movements_tenant_id", "coupon_batch_movements", ["tenant_id"])
    op.create_index("ix_coupon_batch_movements_batch_id", "coupon_batch_movements", ["batch_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_coupon_batch_movements_batch_id", table_name="coupon_batch_movements")
    op.drop_index("ix_coupon_batch_movements_tenant_id", table_name="coupon_batch_movements")
    op.drop_table("coupon_batch_movements")
    op.drop_index("ix_coupon_batches_tenant_id", table_name="coupon_batches")
    op.drop_table("coupon_batches")
    op.drop_index("ix_coupons_batch_id", table_name="coupons")
    with op.batch_alter_table("coupons") as batch:
        batch.drop_column("serial")
        batch.drop_column("batch_id")
