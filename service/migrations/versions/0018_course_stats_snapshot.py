"""The course statistics snapshot behind /stats/course (service/course/snapshot.py).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

from service.core.types import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_stats_snapshot",
        sa.Column("course_version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("max_attempt_id", sa.Integer(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("course_version"),
    )


def downgrade() -> None:
    op.drop_table("course_stats_snapshot")
