"""Partial indexes for the credit check of every order placed (B2, issue 16): a customer's
pending orders and open debts without reading every order they ever placed.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_CREDIT = "status = 'submitted'"
OPEN_DEBT = "debt_fen > 0"


def upgrade() -> None:
    op.create_index(
        "ix_orders_pending_credit",
        "orders",
        ["tenant_id", "customer_id"],
        postgresql_include=["total_fen"],
        postgresql_where=sa.text(PENDING_CREDIT),
        sqlite_where=sa.text(PENDING_CREDIT),
    )
    op.create_index(
        "ix_orders_open_debts",
        "orders",
        ["tenant_id", "customer_id"],
        postgresql_include=["status", "debt_fen", "approved_at"],
        postgresql_where=sa.text(OPEN_DEBT),
        sqlite_where=sa.text(OPEN_DEBT),
    )


def downgrade() -> None:
    op.drop_index("ix_orders_open_debts", table_name="orders")
    op.drop_index("ix_orders_pending_credit", table_name="orders")
