"""PostgreSQL: a batch goes to the server as one ``COPY`` of the validated rows into a
staging table, and the registry's writes are set-based statements over it.

The staging table is temporary (no WAL, this connection only) and empties itself at commit.
Python sends each row as validated, with its line, a new card number and new ids (made in
bulk: PostgreSQL's gen_random_uuid costs about 4.5 µs a call here); the server skips the
rows imported before, finds the holders already registered, and writes the new holders,
cards (serials, status, dates), "created" events and archive records. The holder rules
themselves run in Python (``importer``), and only for the rows where they can refuse: a
document already registered, or one that repeats within the batch. Every other row registers
its holder and a card, which is what the set-based statements write.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Select, column, select, table, text
from sqlmodel import Session, col

from service.archive.models import COLUMNS, ArchiveImport
from service.cards import numbers
from service.cards.service import HOLDER_COLUMNS
from service.core import clock
from service.core.ids import uuid7_hex

_DATES = frozenset({"date_of_birth", "planned_from", "planned_until", "entered_on", "exited_on"})
_CREATE = text(
    "CREATE TEMP TABLE IF NOT EXISTS import_staging (line int, number text, card_id uuid, "
    "new_person uuid, "
    + ", ".join(f"{c} {'date' if c in _DATES else 'text'}" for c in COLUMNS)
    # Set only for the rows the holder rules looked at (see ``link``).
    + ", person_id uuid, first_line int) ON COMMIT DELETE ROWS"
)
_COPY = f"COPY import_staging (line, number, card_id, new_person, {', '.join(COLUMNS)}) FROM STDIN"
_VALUES = itemgetter(*COLUMNS)

# The rows of this batch imported before (archive_id seen) leave the staging table. Both
# look-ups probe an index once per staged row, as a correlated subquery: a join would let
# the planner hash the whole table, whose statistics lag behind a growing import.
_DONE = text(
    "DELETE FROM import_staging s WHERE (SELECT true FROM archive_import a "
    "WHERE a.archive_id = s.archive_id) RETURNING s.line"
)
# The rows whose document is registered: the person, and whether they hold an open card (as
# the registry counts one, cards.service.holds_open: an open status and a stay not ended).
_REGISTERED = text(
    "SELECT s.line, p.* FROM import_staging s CROSS JOIN LATERAL (SELECT p.id, p.surname, "
    "p.given_names, p.date_of_birth, p.sex, EXISTS (SELECT FROM card c WHERE c.person_id = p.id "
    "AND c.status IN ('pending_entry', 'active') AND c.stay_until >= :today) AS has_open "
    "FROM person p "
    "WHERE p.citizenship = s.citizenship AND p.document_type = s.document_type "
    "AND p.document_number = s.document_number LIMIT 1) p"
)
# The registered holders found are locked, as the registry's card creation locks its holder
# (cards.service), and their open cards looked up again: a card issued meanwhile (its
# holder locked, not yet committed) is seen once it commits, never a second open card. The
# lock is taken only when a document is registered: a new holder costs nothing more.
_LOCK_HOLDERS = text(
    "SELECT id FROM person WHERE id = ANY(CAST(:ids AS uuid[])) ORDER BY id FOR UPDATE"
)
_HOLDING_OPEN = text(
    "SELECT DISTINCT person_id FROM card WHERE person_id = ANY(CAST(:ids AS uuid[])) "
    "AND status IN ('pending_entry', 'active') AND stay_until >= :today"
)
_REFUSE = text("DELETE FROM import_staging WHERE line = ANY(CAST(:lines AS int[]))")
_LINK = text(
    "UPDATE import_staging s SET person_id = k.person_id, first_line = k.first_line "
    "FROM unnest(CAST(:lines AS int[]), CAST(:people AS uuid[]), CAST(:firsts AS int[])) "
    "AS k(line, person_id, first_line) WHERE s.line = k.line"
)

_CARD = ("purpose", "visa_number", "planned_from", "planned_until", "host_kind", "host_name",
         "host_address", "region", "occupation", "entered_on", "entry_point", "exited_on",
         "exit_point")  # fmt: skip
_H = ", ".join(HOLDER_COLUMNS)
_C = ", ".join(_CARD)
# One statement writes the batch. A row with neither person_id nor first_line registers its
# holder (under the id it brought); a row with first_line takes the holder that line
# registers. The rows take the serials drawn for them (``serials``) in the file's order; a
# paper card is dated noon in Moscow of its paper day (importer.paper_date); its
# "created" event carries the paper record's dates (absent when not on the card), its JSON
# put together as text (to_json quotes the archive id), measured at half the server's time of
# json_build_object and json_strip_nulls. Column names come from the constants above, not
# from input.
_MERGE = text(
    "WITH people AS ("  # noqa: S608
    f"INSERT INTO person (id, {_H}, language, created_at, erased_at) "
    f"SELECT new_person, {_H}, 'ru', :now, NULL FROM import_staging "
    "WHERE person_id IS NULL AND first_line IS NULL ORDER BY line), "
    "rows AS MATERIALIZED ("
    "SELECT s.*, coalesce(s.person_id, f.new_person, s.new_person) AS holder, "
    "(CAST(:serials AS bigint[]))[row_number() OVER (ORDER BY s.line)] AS serial "
    "FROM import_staging s LEFT JOIN import_staging f ON f.line = s.first_line ORDER BY s.line), "
    "cards AS ("
    f"INSERT INTO card (id, number, serial, person_id, status, {_C}, stay_until, "
    "telegram_user_id, revoked_reason, created_at, updated_at, created_by) "
    "SELECT card_id, number, serial, holder, CASE WHEN exited_on IS NOT NULL THEN 'closed' "
    f"WHEN entered_on IS NOT NULL THEN 'active' ELSE 'pending_entry' END, {_C}, "
    "planned_until, NULL, NULL, "
    "(coalesce(entered_on, planned_from) + time '12:00') AT TIME ZONE 'Europe/Moscow', "
    ":now, :actor FROM rows), "
    "events AS ("
    "INSERT INTO card_event (card_id, kind, actor, at, reason, data) "
    'SELECT card_id, \'created\', :actor, :now, NULL, CAST(\'{"source": "paper archive", '
    '"archive_id": \' || to_json(archive_id)::text '
    "|| coalesce(', \"entered_on\": \"' || to_char(entered_on, 'YYYY-MM-DD') || '\"', '') "
    "|| coalesce(', \"exited_on\": \"' || to_char(exited_on, 'YYYY-MM-DD') || '\"', '') "
    "|| '}' AS json) FROM rows) "
    "INSERT INTO archive_import (archive_id, card_id, source, imported_at) "
    "SELECT archive_id, card_id, :source, :now FROM rows"
)

_STAGED = table("import_staging", column("archive_id"))
# The cards this batch wrote (until the transaction ends): for the statistics roll-up.
IMPORTED_CARDS: Select[Any] = select(col(ArchiveImport.card_id)).join(
    _STAGED, _STAGED.c.archive_id == col(ArchiveImport.archive_id)
)


def load(session: Session, batch: list[tuple[int, dict[str, Any]]]) -> set[int]:
    """COPY the batch's rows into the staging table, each with a new card number and ids;
    the lines of the rows imported before, which leave it."""
    session.execute(_CREATE)
    raw = session.connection().connection.driver_connection
    generate = numbers.generate
    ids = iter(uuid7_hex(2 * len(batch)))  # a card and a holder a row (used if it registers)
    with raw.cursor() as cursor, cursor.copy(_COPY) as copy:  # type: ignore[union-attr]
        for line, row in batch:
            copy.write_row((line, generate(), next(ids), next(ids), *_VALUES(row)))
    return set(session.execute(_DONE).scalars())


def registered(session: Session) -> dict[int, dict[str, Any]]:
    """Line → the registered person with that row's document (``has_open``: a card of
    theirs is pending entry or active, its stay not ended)."""
    found = {}
    today = clock.today()
    for person in map(dict, session.execute(_REGISTERED, {"today": today}).mappings()):
        found[person.pop("line")] = person
    if found:
        ids = list({person["id"] for person in found.values()})
        session.execute(_LOCK_HOLDERS, {"ids": ids})
        holding = set(session.execute(_HOLDING_OPEN, {"ids": ids, "today": today}).scalars())
        for person in found.values():
            person["has_open"] = person["id"] in holding
    return found


def link(
    session: Session,
    *,
    refused: list[int],
    links: list[tuple[int, uuid.UUID | None, int | None]],
) -> None:
    """What the holder rules decided: refused rows leave the staging table; a row is linked
    to a registered person, or (``first_line``) to the holder an earlier row registers."""
    if refused:
        session.execute(_REFUSE, {"lines": refused})
    if links:
        lines, people, firsts = (list(x) for x in zip(*links, strict=True))
        session.execute(_LINK, {"lines": lines, "people": people, "firsts": firsts})


# Card serials for the staged rows, ascending: drawn in a statement of their own so that the
# batches written at once draw theirs in the file's order (importer._Turn).
_SERIALS = text(
    "SELECT array_agg(s ORDER BY s) FROM "
    "(SELECT nextval('card_serial_seq') AS s FROM generate_series(1, :n)) AS q"
)


def serials(session: Session, n: int) -> list[int]:
    """``n`` new card serials, ascending."""
    if n <= 0:
        return []
    return list(session.execute(_SERIALS, {"n": n}).scalar_one())


def merge(session: Session, *, now: datetime, actor: str, source: str, serials: list[int]) -> int:
    """Write the staged rows as holders, cards, events and archive records, the rows taking
    ``serials`` in line order; how many cards."""
    params = {"now": now, "actor": actor, "source": source, "serials": serials}
    written = session.execute(_MERGE, params)
    return int(written.rowcount)  # type: ignore[attr-defined]
