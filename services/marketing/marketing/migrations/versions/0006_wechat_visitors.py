"""Readers who log in with WeChat (D2 C7): the visitor's openid.

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-08

Written by hand: one column, empty for every visitor so far.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visitors") as batch:
        batch.add_column(sa.Column("openid", sa.String(length=64), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("visitors") as batch:
        batch.drop_column("openid")
