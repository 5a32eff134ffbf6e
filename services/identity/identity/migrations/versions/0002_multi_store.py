"""Multi-store tenants (A4): sub-store applications, pinned and recent stores, session stores.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(36)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "store_applications",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False, index=True),
        _when("created_at"),
        sa.Column("parent_store_id", ID, sa.ForeignKey("stores.id"), nullable=False),
        sa.Column("store_name", sa.String(50), nullable=False),
        sa.Column("contact_name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("applied_by", ID, sa.ForeignKey("staff.id"), nullable=False, index=True),
        sa.Column("reviewed_by", ID, sa.ForeignKey("staff.id"), nullable=True),
        _when("reviewed_at", nullable=True),
        sa.Column("reject_reason", sa.String(200), nullable=True),
        sa.Column("store_id", ID, sa.ForeignKey("stores.id"), nullable=True),
    )
    op.create_table(
        "store_pins",
        sa.Column("staff_id", ID, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("store_id", ID, sa.ForeignKey("stores.id"), primary_key=True),
        sa.Column("tenant_id", ID, nullable=False, index=True),
        _when("pinned_at"),
    )
    op.create_table(
        "recent_stores",
        sa.Column("staff_id", ID, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("store_id", ID, sa.ForeignKey("stores.id"), primary_key=True),
        sa.Column("tenant_id", ID, nullable=False, index=True),
        _when("switched_at"),
    )
    op.create_table(
        "session_stores",
        sa.Column("session_id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False, index=True),
        sa.Column("staff_id", ID, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("store_id", ID, sa.ForeignKey("stores.id"), nullable=False),
        _when("switched_at"),
    )


def downgrade() -> None:
    for table in ("session_stores", "recent_stores", "store_pins", "store_applications"):
        op.drop_table(table)
