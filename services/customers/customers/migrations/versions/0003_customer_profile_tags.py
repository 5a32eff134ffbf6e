"""Region, location, pool-rule dates and lock on customers; tags (C3, C4, C5, C8, C12).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("region", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("owned_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_followup_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_order_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("locked", sa.Boolean(), nullable=False, server_default="0"))
    op.create_table(
        "tags",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("colour", sa.String(7), nullable=False, server_default=""),
        sa.UniqueConstraint("tenant_id", "name", name="uq_tags_tenant_name"),
    )
    op.create_index("ix_tags_tenant_id", "tags", ["tenant_id"])
    op.create_table(
        "customer_tags",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("customer_id", sa.String(36), primary_key=True),
        sa.Column("tag_id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_customer_tags_tenant_tag", "customer_tags", ["tenant_id", "tag_id", "customer_id"])


def downgrade() -> None:
    op.drop_table("customer_tags")
    op.drop_table("tags")
    with op.batch_alter_table("customers") as batch:
        for column in ("locked", "last_order_at", "last_followup_at", "owned_since", "longitude", "latitude", "region"):
            batch.drop_column(column)
