"""Saved segments and the buying-behaviour read model fed by orders events (C4).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_customers_tenant_last_order",
        "customers",
        ["tenant_id", "last_order_at", "created_at", "owner_staff_id", "id"],
    )
    op.create_table(
        "segments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(30), nullable=False),
        sa.Column("filter", sa.JSON(), nullable=False),
        sa.Column("created_by_staff_id", sa.String(36), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_segments_tenant_name"),
    )
    op.create_index("ix_segments_tenant_id", "segments", ["tenant_id"])
    op.create_table(
        "customer_purchase_days",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("customer_id", sa.String(36), primary_key=True),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_purchase_days_tenant_day",
        "customer_purchase_days",
        ["tenant_id", "day", "customer_id", "order_count", "amount_fen"],
    )
    op.create_table(
        "customer_purchase_lines",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("customer_id", sa.String(36), primary_key=True),
        sa.Column("product_id", sa.String(36), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("brand", sa.String(40), nullable=False, server_default=""),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_purchase_lines_tenant_product", "customer_purchase_lines", ["tenant_id", "product_id", "customer_id", "day"]
    )
    op.create_index(
        "ix_purchase_lines_tenant_brand", "customer_purchase_lines", ["tenant_id", "brand", "customer_id", "day"]
    )


def downgrade() -> None:
    op.drop_table("customer_purchase_lines")
    op.drop_table("customer_purchase_days")
    op.drop_table("segments")
    op.drop_index("ix_customers_tenant_last_order", table_name="customers")
