"""A store's auto-accept switch (G3): takeaway and in-store orders accepted as they are paid.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05

Off for every store that exists: accepting orders for a merchant is something the merchant turns on.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("print_settings") as batch:
        batch.add_column(sa.Column("auto_accept", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("print_settings") as batch:
        batch.drop_column("auto_accept")
