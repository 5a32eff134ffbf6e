"""Order verification codes (B7): the one-time code a customer shows to collect an order.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("verification_code", sa.String(20), nullable=True))
        batch.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("verified_by", sa.String(36), nullable=True))
        batch.create_unique_constraint("uq_orders_tenant_verification_code", ["tenant_id", "verification_code"])


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint("uq_orders_tenant_verification_code", type_="unique")
        batch.drop_column("verified_by")
        batch.drop_column("verified_at")
        batch.drop_column("verification_code")
