"""Webhook endpoints record why they stopped (deleted, or their API key was revoked);
endpoints of keys already revoked are disabled.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoint") as batch:
        batch.add_column(sa.Column("disabled_reason", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE webhook_endpoint SET active = false, disabled_reason = 'key-revoked' "
        "WHERE api_key_id IN (SELECT id FROM api_key WHERE revoked_at IS NOT NULL)"
    )
    op.execute(
        "UPDATE webhook_endpoint SET disabled_reason = 'deleted' "
        "WHERE active = false AND disabled_reason IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoint") as batch:
        batch.drop_column("disabled_reason")
