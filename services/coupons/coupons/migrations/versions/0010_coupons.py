"""Coupon templates, coupons and claims (E1 E2 E4 E5 E6).

Revision ID: 0010
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _base_columns() -> list[sa.Column]:
    # The TenantScoped columns every business row carries.
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "coupon_templates",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=False),
        sa.Column("value_fen", sa.BigInteger(), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=False),
        sa.Column("pickup_product_ids", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_days", sa.Integer(), nullable=False),
        sa.Column("min_spend_fen", sa.BigInteger(), nullable=False),
        sa.Column("per_order_limit", sa.Integer(), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("category_ids", sa.JSON(), nullable=False),
        sa.Column("store_ids", sa.JSON(), nullable=False),
        sa.Column("convertible_to_stored_value", sa.Boolean(), nullable=False),
        sa.Column("conversion_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_quantity", sa.Integer(), nullable=False),
        sa.Column("per_person_limit", sa.Integer(), nullable=False),
        sa.Column("remind_days_before", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_token", name="uq_coupon_templates_claim_token"),
    )
    op.create_index("ix_coupon_templates_tenant_id", "coupon_templates", ["tenant_id"])
    op.create_table(
        "coupons",
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("holder", sa.String(length=60), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("store_id", sa.String(length=36), nullable=True),
        sa.Column("discount_fen", sa.BigInteger(), nullable=False),
        sa.Column("redeemed_by", sa.String(length=36), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", name="uq_coupons_code"),
    )
    op.create_index("ix_coupons_tenant_id", "coupons", ["tenant_id"])
    op.create_index("ix_coupons_tenant_template", "coupons", ["tenant_id", "template_id"])
    op.create_index("ix_coupons_tenant_holder", "coupons", ["tenant_id", "holder"])
    op.create_index("ix_coupons_status_valid_until", "coupons", ["status", "valid_until"])
    op.create_table(
        "coupon_claims",
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("holder", sa.String(length=60), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("coupon_id", sa.String(length=36), nullable=False),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("coupon_id"),
        sa.UniqueConstraint("template_id", "holder", "seq", name="uq_coupon_claims_slot"),
    )
    op.create_index("ix_coupon_claims_tenant_id", "coupon_claims", ["tenant_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_coupon_claims_tenant_id", table_name="coupon_claims")
    op.drop_table("coupon_claims")
    for name in ("ix_coupons_status_valid_until", "ix_coupons_tenant_holder", "ix_coupons_tenant_template"):
        op.drop_index(name, table_name="coupons")
    op.drop_index("ix_coupons_tenant_id", table_name="coupons")
    op.drop_table("coupons")
    op.drop_index("ix_coupon_templates_tenant_id", table_name="coupon_templates")
    op.drop_table("coupon_templates")
