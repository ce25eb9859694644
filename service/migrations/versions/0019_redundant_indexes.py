"""Drop two indexes that repeat the leading column of another index on the same table.

``ix_card_person_id`` (person_id) is the start of ``ix_card_person_status`` (person_id,
status), and ``ix_person_citizenship`` (citizenship) the start of ``uq_person_document``
(citizenship, document_type, document_number): every lookup they served is served by the
longer index, and each costs a B-tree insertion per new row (the archive import writes a
million).

Revision ID: 0019
Revises: 0018
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_card_person_id", table_name="card")
    op.drop_index("ix_person_citizenship", table_name="person")


def downgrade() -> None:
    op.create_index("ix_person_citizenship", "person", ["citizenship"])
    op.create_index("ix_card_person_id", "card", ["person_id"])
