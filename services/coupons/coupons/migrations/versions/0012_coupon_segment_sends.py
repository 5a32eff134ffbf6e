"""Sends of coupons to a customer segment and what each did per member (E2, E10).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
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
    op.create_table(
        "coupon_segment_sends",
        sa.Column("send_key", sa.String(length=64), nullable=False),
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("segment_id", sa.String(length=36), nullable=False),
        sa.Column("owner_staff_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "send_key", name="uq_coupon_segment_sends_key"),
    )
    op.create_index("ix_coupon_segment_sends_tenant_id", "coupon_segment_sends", ["tenant_id"])
    op.create_table(
        "coupon_segment_send_members",
        sa.Column("send_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("coupon_id", sa.String(length=36), nullable=False),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("send_id", "customer_id", name="uq_coupon_segment_send_members"),
    )
    op.create_index("ix_coupon_segment_send_members_tenant_id", "coupon_segment_send_members", ["tenant_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_coupon_segment_send_members_tenant_id", table_name="coupon_segment_send_members")
    op.drop_table("coupon_segment_send_members")
    op.drop_index("ix_coupon_segment_sends_tenant_id", table_name="coupon_segment_sends")
    op.drop_table("coupon_segment_sends")
