"""Performance (B9-B11): sales targets, commission rules, and the facts stored at approval.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
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


def _document_columns() -> list[sa.Column]:
    # Shared by sales_facts and commission_lines: which approval, whose, where, when.
    return [
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("salesperson_id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
    ]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "sales_targets",
        sa.Column("staff_id", sa.String(length=36), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "staff_id", "month", name="uq_sales_targets_staff_month"),
    )
    op.create_index("ix_sales_targets_tenant_id", "sales_targets", ["tenant_id"])

    op.create_table(
        "commission_rules",
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("amount_per_unit_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "scope", "target", name="uq_commission_rules_target"),
    )
    op.create_index("ix_commission_rules_tenant_id", "commission_rules", ["tenant_id"])

    op.create_table(
        "sales_facts",
        *_document_columns(),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "kind", "document_id", name="uq_sales_facts_document"),
    )
    op.create_index("ix_sales_facts_tenant_id", "sales_facts", ["tenant_id"])
    op.create_index("ix_sales_facts_tenant_month_salesperson", "sales_facts", ["tenant_id", "month", "salesperson_id"])
    op.create_index("ix_sales_facts_tenant_approved", "sales_facts", ["tenant_id", "approved_at", "store_id"])

    op.create_table(
        "commission_lines",
        *_document_columns(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("product_name", sa.String(length=60), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.String(length=36), nullable=False),
        sa.Column("commission_fen", sa.BigInteger(), nullable=False),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_commission_lines_tenant_id", "commission_lines", ["tenant_id"])
    op.create_index(
        "ix_commission_lines_tenant_salesperson_month", "commission_lines", ["tenant_id", "salesperson_id", "month"]
    )
    op.create_index("ix_commission_lines_tenant_approved", "commission_lines", ["tenant_id", "approved_at"])


def downgrade() -> None:
    """Downgrade schema."""
    for table in ("commission_lines", "sales_facts", "commission_rules", "sales_targets"):
        op.drop_table(table)
