"""The batch sender's queue of texts (E2 E5, P2, ADR 0021): an index on sms_messages by status
and attempt time; statuses `queued` and `sending` need no schema change.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sms_messages_status_attempted", "sms_messages", ["status", "attempted_at"])


def downgrade() -> None:
    op.drop_index("ix_sms_messages_status_attempted", table_name="sms_messages")
