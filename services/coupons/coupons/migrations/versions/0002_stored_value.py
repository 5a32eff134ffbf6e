"""Stored value and points (E7 E8 E9): accounts, ledger, recharge rules, recharges, instalments,
points rule, pre-charge batches.

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


def _scoped() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "sv_accounts",
        *_scoped(),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("recharges", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "customer_id", name="uq_sv_accounts_customer"),
    )
    op.create_index("ix_sv_accounts_tenant_id", "sv_accounts", ["tenant_id"])
    op.create_table(
        "sv_ledger_entries",
        *_scoped(),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "kind", "idempotency_key", name="uq_sv_ledger_idempotency"),
    )
    op.create_index("ix_sv_ledger_entries_tenant_id", "sv_ledger_entries", ["tenant_id"])
    op.create_index("ix_sv_ledger_entries_customer_id", "sv_ledger_entries", ["customer_id"])
    op.create_table(
        "sv_recharge_rules",
        *_scoped(),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("member_type", sa.String(length=16), nullable=False),
        sa.Column("pay_fen", sa.BigInteger(), nullable=False),
        sa.Column("bonus_fen", sa.BigInteger(), nullable=False),
        sa.Column("coupon_template_ids", sa.Text(), nullable=False),
        sa.Column("gift_products", sa.Text(), nullable=False),
        sa.Column("instalments", sa.Integer(), nullable=False),
        sa.Column("first_recharge_only", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sv_recharge_rules_tenant_id", "sv_recharge_rules", ["tenant_id"])
    op.create_table(
        "sv_recharges",
        *_scoped(),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("member_type", sa.String(length=16), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.String(length=36), nullable=True),
        sa.Column("bonus_fen", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_sv_recharges_idempotency"),
    )
    op.create_index("ix_sv_recharges_tenant_id", "sv_recharges", ["tenant_id"])
    op.create_index("ix_sv_recharges_customer_id", "sv_recharges", ["customer_id"])
    op.create_table(
        "sv_recharge_instalments",
        *_scoped(),
        sa.Column("recharge_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bonus_fen", sa.BigInteger(), nullable=False),
        sa.Column("coupon_template_ids", sa.Text(), nullable=False),
        sa.Column("gift_products", sa.Text(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recharge_id", "seq", name="uq_sv_instalments_seq"),
    )
    op.create_index("ix_sv_recharge_instalments_tenant_id", "sv_recharge_instalments", ["tenant_id"])
    op.create_index("ix_sv_recharge_instalments_recharge_id", "sv_recharge_instalments", ["recharge_id"])
    op.create_index("ix_sv_recharge_instalments_due_at", "sv_recharge_instalments", ["due_at"])
    op.create_table(
        "sv_points_rules",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("points_per_yuan", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.create_table(
        "sv_precharge_batches",
        *_scoped(),
        sa.Column("client_name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Text(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wrong_tries", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_by", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sv_precharge_batches_tenant_id", "sv_precharge_batches", ["tenant_id"])


def downgrade() -> None:
    for table in (
        "sv_precharge_batches",
        "sv_points_rules",
        "sv_recharge_instalments",
        "sv_recharges",
        "sv_recharge_rules",
        "sv_ledger_entries",
        "sv_accounts",
    ):
        op.drop_table(table)
