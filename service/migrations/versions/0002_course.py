"""Course progress: quiz attempts and course completions.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from service.core.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("module", sa.String(length=64), nullable=False),
        sa.Column("course_version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("course_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_course_attempt_person_module", ["person_id", "module"], unique=False
        )
        batch_op.create_index(
            "ix_course_attempt_version_module", ["course_version", "module"], unique=False
        )

    op.create_table(
        "course_completion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("course_version", sa.Integer(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "course_version", name="uq_course_completion_person"),
    )


def downgrade() -> None:
    op.drop_table("course_completion")
    with op.batch_alter_table("course_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_course_attempt_version_module")
        batch_op.drop_index("ix_course_attempt_person_module")
    op.drop_table("course_attempt")
