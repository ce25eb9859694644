"""Roll-ups behind /stats/cards/monthly and /stats/outcomes (service/stats/cube.py).

Revision ID: 0017
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from service.core.types import UTCDateTime

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_monthly",
        sa.Column("measure", sa.String(length=8), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("citizenship", sa.String(length=3), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("occupation", sa.String(length=120), nullable=False),
        sa.Column("cards", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "measure", "month", "region", "citizenship", "purpose", "occupation"
        ),
    )
    # Filtered monthly queries (region=RU-SVE, citizenship=UZB) read a narrow slice.
    op.create_index("ix_stats_monthly_region", "stats_monthly", ["region", "month"])
    op.create_index("ix_stats_monthly_citizenship", "stats_monthly", ["citizenship", "month"])
    op.create_table(
        "stats_outcome",
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("citizenship", sa.String(length=3), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("took", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "citizenship", "region", "took", "outcome"),
    )
    op.create_table(
        "stats_card",
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("issued", sa.String(length=7), nullable=False),
        sa.Column("entered", sa.String(length=7), nullable=True),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("citizenship", sa.String(length=3), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("occupation", sa.String(length=120), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("took", sa.Boolean(), nullable=False),
        sa.Column("obligations", sa.String(length=400), nullable=False),
        sa.Column("recheck_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("card_id"),
    )
    op.create_index("ix_stats_card_recheck_on", "stats_card", ["recheck_on"])
    op.create_table(
        "stats_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("events_through", sa.BigInteger(), nullable=False),
        sa.Column("dones_through", sa.BigInteger(), nullable=False),
        sa.Column("completions_through", sa.BigInteger(), nullable=False),
        sa.Column("policy", sa.String(length=64), nullable=False),
        sa.Column("folded_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("stats_rollup_state")
    op.drop_index("ix_stats_card_recheck_on", table_name="stats_card")
    op.drop_table("stats_card")
    op.drop_table("stats_outcome")
    op.drop_index("ix_stats_monthly_citizenship", table_name="stats_monthly")
    op.drop_index("ix_stats_monthly_region", table_name="stats_monthly")
    op.drop_table("stats_monthly")
