"""What became of each recharge gift (E7): coupons issued or skipped, products handed out by the
orders service or refused; and the store a recharge was taken in (gift products leave its shelf).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("sv_recharges") as batch:
        batch.add_column(sa.Column("store_id", sa.String(length=36), nullable=False, server_default=""))
    op.create_table(
        "sv_recharge_gift_outcomes",
        sa.Column("recharge_id", sa.String(length=36), nullable=False),
        sa.Column("instalment", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recharge_id", "instalment", "kind", "item_id", name="uq_sv_gift_outcomes_item"),
    )
    op.create_index(
        "ix_sv_recharge_gift_outcomes_recharge_id", "sv_recharge_gift_outcomes", ["recharge_id"], unique=False
    )
    op.create_index("ix_sv_recharge_gift_outcomes_tenant_id", "sv_recharge_gift_outcomes", ["tenant_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_sv_recharge_gift_outcomes_tenant_id", table_name="sv_recharge_gift_outcomes")
    op.drop_index("ix_sv_recharge_gift_outcomes_recharge_id", table_name="sv_recharge_gift_outcomes")
    op.drop_table("sv_recharge_gift_outcomes")
    with op.batch_alter_table("sv_recharges") as batch:
        batch.drop_column("store_id")
