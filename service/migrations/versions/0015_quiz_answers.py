"""Quiz answers checked one at a time: the attempt in progress, until the last answer.

Revision ID: 0015_quiz_answers
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from service.core.types import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_answer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Uuid(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("module", sa.String(length=64), nullable=False),
        sa.Column("course_version", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=32), nullable=False),
        sa.Column("chosen", sa.Integer(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "person_id", "module", "course_version", "question_id", name="uq_course_answer"
        ),
    )


def downgrade() -> None:
    op.drop_table("course_answer")
