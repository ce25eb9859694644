"""Offline scans: checks made on an officer's device without network, uploaded later.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scan_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("offline", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("client_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("revocation_confirmed", sa.Boolean(), nullable=True))
        batch_op.create_index("uq_scan_event_actor_client_id", ["actor", "client_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("scan_event", schema=None) as batch_op:
        batch_op.drop_index("uq_scan_event_actor_client_id")
        batch_op.drop_column("revocation_confirmed")
        batch_op.drop_column("client_id")
        batch_op.drop_column("offline")
