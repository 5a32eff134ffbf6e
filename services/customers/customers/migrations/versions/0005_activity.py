"""Leads, follow-ups, follow-up states, visit tasks and duplicates (C6, C7, C8, C9).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _scoped() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "leads",
        *_scoped(),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("union_id", sa.String(64), nullable=True),
        sa.Column("company", sa.String(50), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("staff_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=True),
        sa.Column("created_by_staff_id", sa.String(36), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_followup_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("tenant_id", "phone", name="uq_leads_tenant_phone"),
        sa.UniqueConstraint("tenant_id", "union_id", name="uq_leads_tenant_union_id"),
    )
    op.create_index("ix_leads_tenant_id", "leads", ["tenant_id"])
    op.create_index("ix_leads_tenant_staff_created", "leads", ["tenant_id", "staff_id", "created_at"])

    op.create_table(
        "followups",
        *_scoped(),
        sa.Column("customer_id", sa.String(36), nullable=True),
        sa.Column("lead_id", sa.String(36), nullable=True),
        sa.Column("staff_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("content", sa.String(500), nullable=False),
        sa.Column("next_followup_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("visit_task_id", sa.String(36), nullable=True),
    )
    op.create_index("ix_followups_tenant_id", "followups", ["tenant_id"])
    op.create_index("ix_followups_tenant_customer_created", "followups", ["tenant_id", "customer_id", "created_at"])
    op.create_index("ix_followups_tenant_lead_created", "followups", ["tenant_id", "lead_id", "created_at"])

    op.create_table(
        "customer_followup_states",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("customer_id", sa.String(36), primary_key=True),
        sa.Column("eliminated", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("next_followup_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_followup_states_tenant_eliminated",
        "customer_followup_states",
        ["tenant_id", "eliminated", "next_followup_at"],
    )

    op.create_table(
        "visit_tasks",
        *_scoped(),
        sa.Column("staff_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_by_staff_id", sa.String(36), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_in_latitude", sa.Float(), nullable=True),
        sa.Column("check_in_longitude", sa.Float(), nullable=True),
        sa.Column("check_in_note", sa.String(500), nullable=False),
        sa.Column("followup_id", sa.String(36), nullable=True),
    )
    op.create_index("ix_visit_tasks_tenant_id", "visit_tasks", ["tenant_id"])
    op.create_index("ix_visit_tasks_tenant_staff_status_day", "visit_tasks", ["tenant_id", "staff_id", "status", "day"])

    op.create_table(
        "customer_duplicates",
        *_scoped(),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("lead_id", sa.String(36), nullable=False),
        sa.Column("customer_owner_staff_id", sa.String(36), nullable=True),
        sa.Column("lead_staff_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("resolved_by_staff_id", sa.String(36), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_customer_duplicates_tenant_id", "customer_duplicates", ["tenant_id"])
    op.create_index(
        "ix_customer_duplicates_tenant_status", "customer_duplicates", ["tenant_id", "status", "created_at"]
    )


def downgrade() -> None:
    for table in ("customer_duplicates", "visit_tasks", "customer_followup_states", "followups", "leads"):
        op.drop_table(table)
