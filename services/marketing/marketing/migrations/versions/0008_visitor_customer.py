"""Readers who became customers (C10): the customer each visitor became and when, and indexes
to find visitors by phone and unionID (the worker's lookups).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10

Written by hand: two empty columns and two indexes.
"""

import sqlalchemy as sa
from alembic import op

from crmkit.db import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visitors") as batch:
        batch.add_column(sa.Column("customer_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("became_customer_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_visitors_phone", ["tenant_id", "phone"], unique=False)
        batch.create_index("ix_visitors_unionid", ["tenant_id", "unionid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visitors") as batch:
        batch.drop_index("ix_visitors_unionid")
        batch.drop_index("ix_visitors_phone")
        batch.drop_column("became_customer_at")
        batch.drop_column("customer_id")
