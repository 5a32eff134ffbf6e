"""B6 B8 B12 storefront orders: orders, lines, refunds, payment notifications acted on, deliveries.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "storefront_orders",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("customer_name", sa.String(length=50), nullable=False),
        sa.Column("customer_phone", sa.String(length=20), nullable=False),
        sa.Column("placed_by", sa.String(length=36), nullable=False),
        sa.Column("goods_total_fen", sa.BigInteger(), nullable=False),
        sa.Column("discount_fen", sa.BigInteger(), nullable=False),
        sa.Column("delivery_fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("payment_method", sa.String(length=20), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=50), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("reserved_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("tracking_no", sa.String(length=40), nullable=False),
        sa.Column("verification_code", sa.String(length=20), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("coupons", sa.JSON(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=80), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_storefront_orders_tenant_idempotency_key"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_storefront_orders_tenant_number"),
        sa.UniqueConstraint("tenant_id", "verification_code", name="uq_storefront_orders_tenant_verification_code"),
    )
    op.create_index("ix_storefront_orders_state_closes", "storefront_orders", ["state", "closes_at"], unique=False)
    op.create_index(
        "ix_storefront_orders_tenant_customer_placed",
        "storefront_orders",
        ["tenant_id", "customer_id", "created_at"],
        unique=False,
    )
    op.create_index("ix_storefront_orders_tenant_id", "storefront_orders", ["tenant_id"], unique=False)
    op.create_index(
        "ix_storefront_orders_tenant_store_placed",
        "storefront_orders",
        ["tenant_id", "store_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "storefront_payment_events",
        sa.Column("event_id", sa.String(length=80), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", name="uq_storefront_payment_events_event_id"),
    )
    op.create_index("ix_storefront_payment_events_tenant_id", "storefront_payment_events", ["tenant_id"], unique=False)
    op.create_table(
        "storefront_deliveries",
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("provider_status", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("rider_name", sa.String(length=40), nullable=False),
        sa.Column("rider_phone", sa.String(length=20), nullable=False),
        sa.Column("fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["storefront_orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", name="uq_storefront_deliveries_order"),
    )
    op.create_index("ix_storefront_deliveries_tenant_id", "storefront_deliveries", ["tenant_id"], unique=False)
    op.create_table(
        "storefront_lines",
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("category_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("spec", sa.String(length=60), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["storefront_orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_storefront_lines_order", "storefront_lines", ["order_id", "position"], unique=False)
    op.create_index("ix_storefront_lines_tenant_id", "storefront_lines", ["tenant_id"], unique=False)
    op.create_table(
        "storefront_refunds",
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("requested_fen", sa.BigInteger(), nullable=False),
        sa.Column("approved_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("reject_reason", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=36), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider_refund_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["storefront_orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_storefront_refunds_order", "storefront_refunds", ["order_id", "created_at"], unique=False)
    op.create_index("ix_storefront_refunds_tenant_id", "storefront_refunds", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_storefront_refunds_tenant_id", table_name="storefront_refunds")
    op.drop_index("ix_storefront_refunds_order", table_name="storefront_refunds")
    op.drop_table("storefront_refunds")
    op.drop_index("ix_storefront_lines_tenant_id", table_name="storefront_lines")
    op.drop_index("ix_storefront_lines_order", table_name="storefront_lines")
    op.drop_table("storefront_lines")
    op.drop_index("ix_storefront_deliveries_tenant_id", table_name="storefront_deliveries")
    op.drop_table("storefront_deliveries")
    op.drop_index("ix_storefront_payment_events_tenant_id", table_name="storefront_payment_events")
    op.drop_table("storefront_payment_events")
    op.drop_index("ix_storefront_orders_tenant_store_placed", table_name="storefront_orders")
    op.drop_index("ix_storefront_orders_tenant_id", table_name="storefront_orders")
    op.drop_index("ix_storefront_orders_tenant_customer_placed", table_name="storefront_orders")
    op.drop_index("ix_storefront_orders_state_closes", table_name="storefront_orders")
    op.drop_table("storefront_orders")
