"""Receivables (B4): credit terms, collections, their allocations and proof images.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
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
        "credit_terms",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "customer_id", name="uq_credit_terms_customer"),
    )
    op.create_index("ix_credit_terms_tenant_id", "credit_terms", ["tenant_id"])

    op.create_table(
        "collections",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("customer_name", sa.String(length=50), nullable=False),
        sa.Column("salesperson_id", sa.String(length=36), nullable=False),
        sa.Column("filed_by", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("reject_reason", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=36), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_collections_tenant_idempotency_key"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_collections_tenant_number"),
    )
    op.create_index("ix_collections_tenant_id", "collections", ["tenant_id"])
    op.create_index("ix_collections_tenant_status_filed", "collections", ["tenant_id", "status", "filed_at"])
    op.create_index("ix_collections_tenant_customer_filed", "collections", ["tenant_id", "customer_id", "filed_at"])
    op.create_index(
        "ix_collections_tenant_salesperson_filed", "collections", ["tenant_id", "salesperson_id", "filed_at"]
    )

    op.create_table(
        "collection_allocations",
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("order_number", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        *_base_columns(),
        sa.ForeignKeyConstraint(["collection_id"], ["collections.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_collection_allocations_collection_id", "collection_allocations", ["collection_id"])
    op.create_index("ix_collection_allocations_tenant_id", "collection_allocations", ["tenant_id"])
    op.create_index("ix_collection_allocations_tenant_order", "collection_allocations", ["tenant_id", "order_id"])

    op.create_table(
        "collection_proofs",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by", sa.String(length=36), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "key", name="uq_collection_proofs_key"),
    )
    op.create_index("ix_collection_proofs_collection_id", "collection_proofs", ["collection_id"])
    op.create_index("ix_collection_proofs_tenant_id", "collection_proofs", ["tenant_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_collection_proofs_tenant_id", table_name="collection_proofs")
    op.drop_index("ix_collection_proofs_collection_id", table_name="collection_proofs")
    op.drop_table("collection_proofs")
    op.drop_index("ix_collection_allocations_tenant_order", table_name="collection_allocations")
    op.drop_index("ix_collection_allocations_tenant_id", table_name="collection_allocations")
    op.drop_index("ix_collection_allocations_collection_id", table_name="collection_allocations")
    op.drop_table("collection_allocations")
    op.drop_index("ix_collections_tenant_salesperson_filed", table_name="collections")
    op.drop_index("ix_collections_tenant_customer_filed", table_name="collections")
    op.drop_index("ix_collections_tenant_status_filed", table_name="collections")
    op.drop_index("ix_collections_tenant_id", table_name="collections")
    op.drop_table("collections")
    op.drop_index("ix_credit_terms_tenant_id", table_name="credit_terms")
    op.drop_table("credit_terms")
