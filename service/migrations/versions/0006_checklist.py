"""Arrival checklist: obligations reported done, reminder records, muted cards.

Revision ID: 0006
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from service.core.types import UTCDateTime

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checklist_done",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("evidence", sa.String(length=200), nullable=False),
        sa.Column("self_reported", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_checklist_done_card_id", "checklist_done", ["card_id"])
    op.create_table(
        "reminder_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("card_id", "item_id", "due_on", "days_before", name="uq_reminder_once"),
    )
    op.create_index("ix_reminder_record_card_id", "reminder_record", ["card_id"])
    op.create_table(
        "reminder_mute",
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("muted_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"]),
        sa.PrimaryKeyConstraint("card_id"),
    )


def downgrade() -> None:
    op.drop_table("reminder_mute")
    op.drop_index("ix_reminder_record_card_id", "reminder_record")
    op.drop_table("reminder_record")
    op.drop_index("ix_checklist_done_card_id", "checklist_done")
    op.drop_table("checklist_done")
