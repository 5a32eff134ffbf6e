"""The member report (E6) reads one tenant's stored-value and points ledger entries of a period.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_sv_ledger_tenant_created", "sv_ledger_entries", ["tenant_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_sv_ledger_tenant_created", table_name="sv_ledger_entries")
