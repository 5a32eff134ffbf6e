"""Where each store is (B6: the shop lists the merchant's stores with their address): a
sub-store opened from an application takes the application's address.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("address", sa.String(200), nullable=False, server_default=""))
    # Sub-stores opened before this revision: the address their application gave.
    op.execute(
        "UPDATE stores SET address = (SELECT a.address FROM store_applications a WHERE a.store_id = stores.id) "
        "WHERE EXISTS (SELECT 1 FROM store_applications a WHERE a.store_id = stores.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("address")
