"""Patents as records: the permit and each payment that extends its paid period.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from service.core.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "permit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("paid_until", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_permit_card_id", "permit", ["card_id"])
    op.create_table(
        "permit_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Uuid(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("paid_until_before", sa.Date(), nullable=False),
        sa.Column("paid_until_after", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["permit_id"], ["permit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_permit_payment_permit_id", "permit_payment", ["permit_id"])


def downgrade() -> None:
    op.drop_index("ix_permit_payment_permit_id", "permit_payment")
    op.drop_table("permit_payment")
    op.drop_index("ix_permit_card_id", "permit")
    op.drop_table("permit")
