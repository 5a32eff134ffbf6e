"""Pool rules per member level (C3): the tenant's settings gain each level's own N and M.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing tenants keep one rule for every level: an empty list.
    op.add_column(
        "customer_settings",
        sa.Column("pool_level_rules", sa.JSON(), nullable=False, server_default="[]"),
    )


def downgrade() -> None:
    with op.batch_alter_table("customer_settings") as batch:
        batch.drop_column("pool_level_rules")
