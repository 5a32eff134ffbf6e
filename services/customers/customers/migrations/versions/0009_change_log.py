"""A1 change log: customer_changes keeps the changed fields before and after, in the shape the
other services' change logs share (crmkit.changelog).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before this revision are about customers and carry only their `after`.
    op.add_column(
        "customer_changes",
        sa.Column("object_type", sa.String(length=30), nullable=False, server_default="customer"),
    )
    op.add_column("customer_changes", sa.Column("before", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer_changes") as batch:
        batch.drop_column("before")
        batch.drop_column("object_type")
