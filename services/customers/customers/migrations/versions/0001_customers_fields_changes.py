"""Customer fields, customers, change log, outbox and processed events (C1, C2, A1).

Revision ID: 0001
Revises:
Create Date: 2026-01-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tenant_scoped() -> list[sa.Column]:
    """The columns of crmkit.db.TenantScoped."""
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "customer_fields",
        *_tenant_scoped(),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("label", sa.String(30), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "key", name="uq_customer_fields_tenant_key"),
    )
    op.create_index("ix_customer_fields_tenant_id", "customer_fields", ["tenant_id"])

    op.create_table(
        "customers",
        *_tenant_scoped(),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("owner_staff_id", sa.String(36), nullable=True),
        sa.Column("store_id", sa.String(36), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("registered_by_staff_id", sa.String(36), nullable=False),
        sa.UniqueConstraint("tenant_id", "phone", name="uq_customers_tenant_phone"),
    )
    op.create_index("ix_customers_tenant_id", "customers", ["tenant_id"])
    op.create_index("ix_customers_tenant_owner_created", "customers", ["tenant_id", "owner_staff_id", "created_at"])
    op.create_index("ix_customers_tenant_created", "customers", ["tenant_id", "created_at"])

    op.create_table(
        "customer_changes",
        *_tenant_scoped(),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
    )
    op.create_index("ix_customer_changes_tenant_id", "customer_changes", ["tenant_id"])
    op.create_index(
        "ix_customer_changes_tenant_customer", "customer_changes", ["tenant_id", "customer_id", "created_at"]
    )

    op.create_table(
        "outbox",
        # BIGINT on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])

    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("processed_events")
    op.drop_table("outbox")
    op.drop_table("customer_changes")
    op.drop_table("customers")
    op.drop_table("customer_fields")
