"""Credit control (B2): a credit limit per customer, the tenant's control mode, and the
warnings an order was taken with.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credit_terms") as batch:
        batch.add_column(sa.Column("limit_fen", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("order_settings") as batch:
        batch.add_column(sa.Column("credit_control", sa.String(8), nullable=False, server_default="warn"))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("credit_warnings", sa.String(40), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("credit_warnings")
    with op.batch_alter_table("order_settings") as batch:
        batch.drop_column("credit_control")
    with op.batch_alter_table("credit_terms") as batch:
        batch.drop_column("limit_fen")
