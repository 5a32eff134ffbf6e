"""Member level code on customers (C1; level prices in orders key on it).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("level", sa.String(20), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("level")
