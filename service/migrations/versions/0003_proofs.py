"""Proofs: card serials (proof id and status-list index) and scan records.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from service.core.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_serial",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("next_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("card", schema=None) as batch_op:
        batch_op.add_column(sa.Column("serial", sa.BigInteger(), nullable=True))
    # Existing cards get serials in creation order; new ones take them from card_serial.
    op.execute(
        "UPDATE card SET serial = (SELECT rn FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn"
        " FROM card) AS numbered WHERE numbered.id = card.id)"
    )
    op.execute(
        "INSERT INTO card_serial (id, next_value) SELECT 1, COALESCE(MAX(serial), 0) + 1 FROM card"
    )
    with op.batch_alter_table("card", schema=None) as batch_op:
        batch_op.alter_column("serial", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint("uq_card_serial", ["serial"])

    op.create_table(
        "scan_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scan_event", schema=None) as batch_op:
        batch_op.create_index("ix_scan_event_at", ["at"], unique=False)
        batch_op.create_index("ix_scan_event_actor", ["actor"], unique=False)
        batch_op.create_index("ix_scan_event_card_id", ["card_id"], unique=False)


def downgrade() -> None:
    op.drop_table("scan_event")
    with op.batch_alter_table("card", schema=None) as batch_op:
        batch_op.drop_constraint("uq_card_serial", type_="unique")
        batch_op.drop_column("serial")
    op.drop_table("card_serial")
