"""Ownership history, pool warnings, tenant customer settings, registration applications and
the location index (C2, C3, C5).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tenant_scoped() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_index("ix_customers_tenant_location", "customers", ["tenant_id", "latitude", "longitude"])
    op.create_table(
        "customer_settings",
        *_tenant_scoped(),
        sa.Column("auto_approve_registrations", sa.Boolean(), nullable=False),
        sa.Column("pool_followup_days", sa.Integer(), nullable=False),
        sa.Column("pool_order_days", sa.Integer(), nullable=False),
        sa.Column("pool_warning_days", sa.Integer(), nullable=False),
        sa.Column("max_customers_held", sa.Integer(), nullable=False),
        sa.Column("max_claims_per_day", sa.Integer(), nullable=False),
        sa.Column("reclaim_cooldown_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", name="uq_customer_settings_tenant"),
    )
    op.create_index("ix_customer_settings_tenant_id", "customer_settings", ["tenant_id"])
    op.create_table(
        "ownership_changes",
        *_tenant_scoped(),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_staff_id", sa.String(36), nullable=True),
        sa.Column("to_staff_id", sa.String(36), nullable=True),
        sa.Column("by_staff_id", sa.String(36), nullable=True),
        sa.Column("reason", sa.String(200), nullable=False),
    )
    op.create_index("ix_ownership_changes_tenant_id", "ownership_changes", ["tenant_id"])
    op.create_index("ix_ownership_changes_customer", "ownership_changes", ["tenant_id", "customer_id", "created_at"])
    op.create_index(
        "ix_ownership_changes_to_staff", "ownership_changes", ["tenant_id", "to_staff_id", "action", "created_at"]
    )
    op.create_table(
        "pool_warnings",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("customer_id", sa.String(36), primary_key=True),
        sa.Column("due_at", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "registration_applications",
        *_tenant_scoped(),
        sa.Column("salesperson_id", sa.String(36), nullable=False),
        sa.Column("store_id", sa.String(36), nullable=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reject_reason", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=True),
        sa.Column("reviewed_by_staff_id", sa.String(36), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_registration_applications_tenant_id", "registration_applications", ["tenant_id"])
    op.create_index(
        "ix_registration_applications_status", "registration_applications", ["tenant_id", "status", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("registration_applications")
    op.drop_table("pool_warnings")
    op.drop_table("ownership_changes")
    op.drop_table("customer_settings")
    op.drop_index("ix_customers_tenant_location", table_name="customers")
