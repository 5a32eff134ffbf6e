"""Tenants, stores, staff with roles, switches and stores, seats, refresh tokens, audit log, outbox.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(36)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _scoped() -> list[sa.Column]:
    return [
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False, index=True),
        _when("created_at"),
    ]


def upgrade() -> None:
    op.create_table("tenants", *_scoped(), sa.Column("name", sa.String(50), nullable=False))
    op.create_table(
        "stores",
        *_scoped(),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("parent_store_id", ID, sa.ForeignKey("stores.id"), nullable=True),
        sa.Column("is_head", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "staff",
        *_scoped(),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False, index=True),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("tenant_id", "phone", name="uq_staff_tenant_phone"),
    )
    op.create_table(
        "staff_roles",
        sa.Column("staff_id", ID, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.String(30), primary_key=True, index=True),
    )
    op.create_table(
        "staff_permissions",
        sa.Column("staff_id", ID, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("permission", sa.String(50), primary_key=True),
    )
    op.create_table(
        "staff_stores",
        sa.Column("staff_id", ID, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("store_id", ID, sa.ForeignKey("stores.id"), primary_key=True, index=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "seats",
        *_scoped(),
        sa.Column("staff_id", ID, sa.ForeignKey("staff.id"), nullable=False, unique=True),
        _when("trial_ends_at"),
        _when("paid_until", nullable=True),
    )
    op.create_table(
        "seat_payments",
        *_scoped(),
        sa.Column("staff_id", ID, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("payment_reference", sa.String(100), nullable=False),
        _when("paid_until"),
        sa.UniqueConstraint("tenant_id", "payment_reference", name="uq_seat_payment_reference"),
    )
    op.create_table(
        "refresh_tokens",
        *_scoped(),
        sa.Column("staff_id", ID, sa.ForeignKey("staff.id"), nullable=False, index=True),
        sa.Column("session_id", ID, nullable=False, index=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        _when("expires_at"),
        _when("used_at", nullable=True),
        _when("revoked_at", nullable=True),
    )
    op.create_table(
        "audit_log",
        *_scoped(),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("object_type", sa.String(30), nullable=False),
        sa.Column("object_id", ID, nullable=False, index=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        _when("occurred_at"),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("consumer", sa.String(100), primary_key=True),
        _when("processed_at"),
    )


def downgrade() -> None:
    for table in (
        "processed_events",
        "outbox",
        "audit_log",
        "refresh_tokens",
        "seat_payments",
        "seats",
        "staff_stores",
        "staff_permissions",
        "staff_roles",
        "staff",
        "stores",
        "tenants",
    ):
        op.drop_table(table)
