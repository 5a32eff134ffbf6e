"""Gift hand-outs (E7): stock deducted for another service's gifts, once per idempotency key.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gift_handouts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(120), nullable=False),
        sa.Column("store_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_gift_handouts_tenant_key"),
    )
    op.create_index("ix_gift_handouts_tenant_id", "gift_handouts", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_gift_handouts_tenant_id", table_name="gift_handouts")
    op.drop_table("gift_handouts")
