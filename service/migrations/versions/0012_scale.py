"""National scale: card serials from a sequence on PostgreSQL, daily statistics roll-ups.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from service.core.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Serials from a sequence: no row that every creation locks. It starts after both
        # the counter row and the highest serial given so far. (SQLite keeps card_serial:
        # its writers are serialised anyway.)
        start = bind.execute(
            sa.text(
                "SELECT GREATEST(COALESCE((SELECT MAX(next_value) FROM card_serial), 1), "
                "COALESCE((SELECT MAX(serial) FROM card), 0) + 1)"
            )
        ).scalar_one()
        op.execute(f"CREATE SEQUENCE card_serial_seq START WITH {int(start)}")
    # Cards registered per UTC day by each grouping of /stats/cards, up to a watermark.
    op.create_table(
        "card_stats_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("cards", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("dimension", "day", "key"),
    )
    op.create_table(
        "card_stats_state",
        sa.Column("id", sa.Integer(), nullable=False),
        # Cards created at or before this instant are in card_stats_daily.
        sa.Column("folded_through", UTCDateTime(), nullable=True),
        sa.Column("folded_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO card_stats_state (id) VALUES (1)")
    # Cards created after the watermark are counted live: by creation time.
    op.create_index("ix_card_created_at", "card", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_card_created_at", table_name="card")
    op.drop_table("card_stats_state")
    op.drop_table("card_stats_daily")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS card_serial_seq")
