"""The coupon-behaviour read model of segments, fed by the coupons service's events (C4).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_coupons",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("coupon_id", sa.String(36), primary_key=True),
        sa.Column("customer_id", sa.String(36), nullable=True),
        sa.Column("template_id", sa.String(36), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redeemed_order_id", sa.String(64), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_customer_coupons_customer",
        "customer_coupons",
        ["tenant_id", "customer_id", "redeemed_at", "valid_until", "template_id", "issued_at"],
    )


def downgrade() -> None:
    op.drop_table("customer_coupons")
