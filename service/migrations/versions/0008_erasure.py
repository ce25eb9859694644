"""Card events stay append-only, except that erasure may redact their free-text reason.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_SAME_EXCEPT_REASON = (
    "NEW.id = OLD.id AND NEW.card_id = OLD.card_id AND NEW.kind = OLD.kind"
    " AND NEW.actor = OLD.actor AND NEW.at = OLD.at"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION card_event_append_only() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN"
            " IF TG_OP = 'UPDATE' AND NEW.reason = '[erased]'"
            " AND NEW.data::text IS NOT DISTINCT FROM OLD.data::text AND "
            + _SAME_EXCEPT_REASON
            + " THEN"
            " RETURN NEW; END IF;"
            " RAISE EXCEPTION 'card_event is append-only'; END $$"
        )
    else:
        op.execute("DROP TRIGGER IF EXISTS card_event_no_update")
        op.execute(
            "CREATE TRIGGER card_event_no_update BEFORE UPDATE ON card_event"
            " WHEN NOT (NEW.reason = '[erased]' AND NEW.data IS OLD.data AND "
            + _SAME_EXCEPT_REASON
            + ")"
            " BEGIN SELECT RAISE(ABORT, 'card_event is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION card_event_append_only() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN RAISE EXCEPTION 'card_event is append-only'; END $$"
        )
    else:
        op.execute("DROP TRIGGER IF EXISTS card_event_no_update")
        op.execute(
            "CREATE TRIGGER card_event_no_update BEFORE UPDATE ON card_event"
            " BEGIN SELECT RAISE(ABORT, 'card_event is append-only'); END"
        )
