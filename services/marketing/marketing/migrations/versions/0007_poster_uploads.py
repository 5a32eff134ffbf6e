"""Own poster uploads (D4) and image-text posters (D12): uploaded images, posters made from them,
and each such poster's own card link.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

Written from the models, then reviewed.
"""

import sqlalchemy as sa
from alembic import op

from crmkit.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "poster_images",
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("theme", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("qr_position", sa.String(length=15), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=False),
        sa.Column("file_key", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=30), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("poster_images", schema=None) as batch_op:
        batch_op.create_index("ix_poster_images_library", ["tenant_id", "purpose", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_poster_images_tenant_id"), ["tenant_id"], unique=False)
    op.create_table(
        "posters",
        sa.Column("staff_id", sa.String(length=36), nullable=False),
        sa.Column("image_id", sa.String(length=36), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("qr_position", sa.String(length=15), nullable=False),
        sa.Column("theme", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("posters", schema=None) as batch_op:
        batch_op.create_index("ix_posters_staff", ["tenant_id", "staff_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_posters_tenant_id"), ["tenant_id"], unique=False)
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.add_column(sa.Column("poster_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.drop_column("poster_id")
    with op.batch_alter_table("posters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posters_tenant_id"))
        batch_op.drop_index("ix_posters_staff")
    op.drop_table("posters")
    with op.batch_alter_table("poster_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poster_images_tenant_id"))
        batch_op.drop_index("ix_poster_images_library")
    op.drop_table("poster_images")
