"""Catalogue, stock, customer prices, orders, returns, settings, outbox (B1, B2, B3).

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "categories",
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_categories_tenant_id", "categories", ["tenant_id"])

    op.create_table(
        "customer_prices",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "customer_id", "product_id", name="uq_customer_prices"),
    )
    op.create_index("ix_customer_prices_tenant_id", "customer_prices", ["tenant_id"])

    op.create_table(
        "number_counters",
        sa.Column("prefix", sa.String(length=4), nullable=False),
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "prefix", "day", name="uq_number_counters"),
    )
    op.create_index("ix_number_counters_tenant_id", "number_counters", ["tenant_id"])

    op.create_table(
        "order_settings",
        sa.Column("allow_negative_stock", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", name="uq_order_settings_tenant"),
    )
    op.create_index("ix_order_settings_tenant_id", "order_settings", ["tenant_id"])

    op.create_table(
        "orders",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("customer_name", sa.String(length=50), nullable=False),
        sa.Column("customer_phone", sa.String(length=20), nullable=False),
        sa.Column("salesperson_id", sa.String(length=36), nullable=False),
        sa.Column("submitted_by", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("debt_fen", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("reject_reason", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("picked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_orders_tenant_idempotency_key"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_orders_tenant_number"),
    )
    op.create_index("ix_orders_tenant_customer_submitted", "orders", ["tenant_id", "customer_id", "submitted_at"])
    op.create_index("ix_orders_tenant_id", "orders", ["tenant_id"])
    op.create_index("ix_orders_tenant_salesperson_submitted", "orders", ["tenant_id", "salesperson_id", "submitted_at"])
    op.create_index("ix_orders_tenant_submitted", "orders", ["tenant_id", "submitted_at"])
    op.create_index("ix_orders_tenant_submitter_submitted", "orders", ["tenant_id", "submitted_by", "submitted_at"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])

    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "consumer"),
    )
    op.create_table(
        "products",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("barcode", sa.String(length=40), nullable=True),
        sa.Column("category_id", sa.String(length=36), nullable=True),
        sa.Column("brand", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("wholesale_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("level_prices", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "barcode", name="uq_products_tenant_barcode"),
    )
    op.create_index("ix_products_tenant_id", "products", ["tenant_id"])
    op.create_index("ix_products_tenant_name", "products", ["tenant_id", "name"])

    op.create_table(
        "returns",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("customer_name", sa.String(length=50), nullable=False),
        sa.Column("salesperson_id", sa.String(length=36), nullable=False),
        sa.Column("submitted_by", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("refund_method", sa.String(length=12), nullable=False),
        sa.Column("debt_reduced_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_back_fen", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("reject_reason", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_returns_tenant_idempotency_key"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_returns_tenant_number"),
    )
    op.create_index("ix_returns_tenant_customer_submitted", "returns", ["tenant_id", "customer_id", "submitted_at"])
    op.create_index("ix_returns_tenant_id", "returns", ["tenant_id"])
    op.create_index(
        "ix_returns_tenant_salesperson_submitted", "returns", ["tenant_id", "salesperson_id", "submitted_at"]
    )

    op.create_table(
        "stock_levels",
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "product_id", "store_id", name="uq_stock_levels_product_store"),
    )
    op.create_index("ix_stock_levels_tenant_id", "stock_levels", ["tenant_id"])

    op.create_table(
        "stock_movements",
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("quantity_after", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stock_movements_tenant_id", "stock_movements", ["tenant_id"])
    op.create_index("ix_stock_movements_tenant_product", "stock_movements", ["tenant_id", "product_id", "created_at"])

    op.create_table(
        "debt_reductions",
        sa.Column("return_id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_debt_reductions_order_id", "debt_reductions", ["order_id"])
    op.create_index("ix_debt_reductions_return_id", "debt_reductions", ["return_id"])
    op.create_index("ix_debt_reductions_tenant_id", "debt_reductions", ["tenant_id"])

    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("product_name", sa.String(length=60), nullable=False),
        sa.Column("barcode", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("brand", sa.String(length=40), nullable=False),
        sa.Column("category_id", sa.String(length=36), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("price_source", sa.String(length=12), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_order_lines_order_id", "order_lines", ["order_id"])
    op.create_index(
        "ix_order_lines_tenant_customer_product",
        "order_lines",
        ["tenant_id", "customer_id", "product_id", "created_at"],
    )
    op.create_index("ix_order_lines_tenant_id", "order_lines", ["tenant_id"])
    op.create_index("ix_order_lines_tenant_product", "order_lines", ["tenant_id", "product_id"])

    op.create_table(
        "return_lines",
        sa.Column("return_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("product_name", sa.String(length=60), nullable=False),
        sa.Column("barcode", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("brand", sa.String(length=40), nullable=False),
        sa.Column("category_id", sa.String(length=36), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("price_source", sa.String(length=12), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_return_lines_return_id", "return_lines", ["return_id"])
    op.create_index("ix_return_lines_tenant_id", "return_lines", ["tenant_id"])
    op.create_index("ix_return_lines_tenant_product", "return_lines", ["tenant_id", "product_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_return_lines_tenant_product", table_name="return_lines")
    op.drop_index("ix_return_lines_tenant_id", table_name="return_lines")
    op.drop_index("ix_return_lines_return_id", table_name="return_lines")

    op.drop_table("return_lines")
    op.drop_index("ix_order_lines_tenant_product", table_name="order_lines")
    op.drop_index("ix_order_lines_tenant_id", table_name="order_lines")
    op.drop_index("ix_order_lines_tenant_customer_product", table_name="order_lines")
    op.drop_index("ix_order_lines_order_id", table_name="order_lines")

    op.drop_table("order_lines")
    op.drop_index("ix_debt_reductions_tenant_id", table_name="debt_reductions")
    op.drop_index("ix_debt_reductions_return_id", table_name="debt_reductions")
    op.drop_index("ix_debt_reductions_order_id", table_name="debt_reductions")

    op.drop_table("debt_reductions")
    op.drop_index("ix_stock_movements_tenant_product", table_name="stock_movements")
    op.drop_index("ix_stock_movements_tenant_id", table_name="stock_movements")

    op.drop_table("stock_movements")
    op.drop_index("ix_stock_levels_tenant_id", table_name="stock_levels")

    op.drop_table("stock_levels")
    op.drop_index("ix_returns_tenant_salesperson_submitted", table_name="returns")
    op.drop_index("ix_returns_tenant_id", table_name="returns")
    op.drop_index("ix_returns_tenant_customer_submitted", table_name="returns")

    op.drop_table("returns")
    op.drop_index("ix_products_tenant_name", table_name="products")
    op.drop_index("ix_products_tenant_id", table_name="products")

    op.drop_table("products")
    op.drop_table("processed_events")
    op.drop_index("ix_outbox_published_at", table_name="outbox")

    op.drop_table("outbox")
    op.drop_index("ix_orders_tenant_submitter_submitted", table_name="orders")
    op.drop_index("ix_orders_tenant_submitted", table_name="orders")
    op.drop_index("ix_orders_tenant_salesperson_submitted", table_name="orders")
    op.drop_index("ix_orders_tenant_id", table_name="orders")
    op.drop_index("ix_orders_tenant_customer_submitted", table_name="orders")

    op.drop_table("orders")
    op.drop_index("ix_order_settings_tenant_id", table_name="order_settings")

    op.drop_table("order_settings")
    op.drop_index("ix_number_counters_tenant_id", table_name="number_counters")

    op.drop_table("number_counters")
    op.drop_index("ix_customer_prices_tenant_id", table_name="customer_prices")

    op.drop_table("customer_prices")
    op.drop_index("ix_categories_tenant_id", table_name="categories")

    op.drop_table("categories")
