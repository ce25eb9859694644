"""Telegram profiles say which of the account's persons is the account holder.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("telegram_profile") as batch:
        batch.add_column(sa.Column("self_person_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("telegram_profile") as batch:
        batch.drop_column("self_person_id")
