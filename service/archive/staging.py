"""PostgreSQL: a batch goes to the server as one ``COPY`` into a staging table, then into
the registry's tables with set-based ``INSERT ... SELECT`` statements.

The staging table is temporary (no WAL, this connection only) and empties itself at commit.
One staging row per card carries the card, its new holder (when this row registers one) and
what the event and the archive record need; the event's data is built by the server.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlmodel import Session

_PERSON = ("surname", "given_names", "surname_latin", "given_names_latin", "date_of_birth",
           "sex", "citizenship", "document_type", "document_number", "language")  # fmt: skip
_CARD = ("number", "serial", "status", "purpose", "visa_number", "planned_from",
         "planned_until", "stay_until", "host_kind", "host_name", "host_address", "region",
         "occupation", "entered_on", "entry_point", "exited_on", "exit_point", "created_at",
         "updated_at", "created_by")  # fmt: skip
_TYPES = {
    "date_of_birth": "date", "planned_from": "date", "planned_until": "date",
    "stay_until": "date", "entered_on": "date", "exited_on": "date", "serial": "bigint",
    "created_at": "timestamptz", "updated_at": "timestamptz",
}  # fmt: skip
# (name in staging, key in the person or card row)
_STAGED = [("seq", ""), ("archive_id", ""), ("new_person", ""), ("person_id", ""),
           ("card_id", "id"), ("person_created_at", "")]  # fmt: skip
_STAGED += [(c, c) for c in _PERSON + _CARD]
_KINDS = {"seq": "int", "new_person": "boolean", "person_id": "uuid", "card_id": "uuid",
          "person_created_at": "timestamptz", **_TYPES}  # fmt: skip

_CREATE = text(
    "CREATE TEMP TABLE IF NOT EXISTS import_staging ("
    + ", ".join(f"{name} {_KINDS.get(name, 'text')}" for name, _ in _STAGED)
    + ") ON COMMIT DELETE ROWS"
)
_COPY = f"COPY import_staging ({', '.join(name for name, _ in _STAGED)}) FROM STDIN"
_P = ", ".join(_PERSON)
_C = ", ".join(_CARD)
# Column names from the constants above, not from input.
_MERGE = [
    text(
        f"INSERT INTO person (id, {_P}, created_at, erased_at) "  # noqa: S608
        f"SELECT person_id, {_P}, person_created_at, NULL "
        "FROM import_staging WHERE new_person ORDER BY seq"
    ),
    text(
        f"INSERT INTO card (id, person_id, {_C}, telegram_user_id, revoked_reason) "  # noqa: S608
        f"SELECT card_id, person_id, {_C}, NULL, NULL "
        "FROM import_staging ORDER BY seq"
    ),
    # The paper record's dates travel in the event's data (absent when not on the card).
    text(
        "INSERT INTO card_event (card_id, kind, actor, at, reason, data) "
        "SELECT card_id, 'created', created_by, updated_at, NULL, json_strip_nulls("
        "json_build_object('source', 'paper archive', 'archive_id', archive_id, "
        "'entered_on', to_char(entered_on, 'YYYY-MM-DD'), "
        "'exited_on', to_char(exited_on, 'YYYY-MM-DD'))) "
        "FROM import_staging ORDER BY seq"
    ),
    text(
        "INSERT INTO archive_import (archive_id, card_id, source, imported_at) "
        "SELECT archive_id, card_id, :source, updated_at FROM import_staging ORDER BY seq"
    ),
]


def write(
    session: Session,
    *,
    people: list[dict[str, Any]],
    cards: list[dict[str, Any]],
    archive_ids: list[str],
    source: str,
) -> None:
    """Write the batch's new people, cards (with serials), events and archive records."""
    session.execute(_CREATE)
    new = {p["id"]: p for p in people}
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(_COPY) as copy:  # type: ignore[union-attr]
        for seq, (card, archive_id) in enumerate(zip(cards, archive_ids, strict=True)):
            person = new.pop(card["person_id"], None)
            head = [seq, archive_id, person is not None, card["person_id"], card["id"]]
            if person is None:
                copy.write_row([*head, None, *([None] * len(_PERSON)), *_card(card)])
            else:
                copy.write_row([*head, person["created_at"], *_person(person), *_card(card)])
    for statement in _MERGE:
        session.execute(statement, {"source": source})


def _person(person: dict[str, Any]) -> list[Any]:
    return [person[c] for c in _PERSON]


def _card(card: dict[str, Any]) -> list[Any]:
    return [card[c] for c in _CARD]
