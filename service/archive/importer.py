"""Importing paper cards from CSV in large batches (Core inserts, one transaction a batch).

Every row is validated with the same field rules as the API; bad rows are reported with
their line and reason and nothing of them is written. A row whose ``archive_id`` was
imported before is skipped, so the same file can be run again and adds nothing.
"""

from __future__ import annotations

import csv
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as day_time
from pathlib import Path
from typing import Any

import psycopg
from pydantic import ValidationError
from sqlalchemy import select as sa_select
from sqlalchemy import text, tuple_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.archive.models import COLUMNS, ArchiveImport, ArchiveRow
from service.cards import numbers
from service.cards.models import Card, CardEvent, EventKind, Person, Status
from service.cards.service import reserve_serials
from service.core import clock
from service.core.db import bulk_insert, copy_insert, transaction
from service.core.ids import uuid7
from service.stats import rollup

BATCH = 2000
_DONE_PG = text("SELECT archive_id FROM archive_import WHERE archive_id = ANY(:ids)")
_PEOPLE_PG = text(
    "SELECT id, surname, given_names, date_of_birth, sex, citizenship, document_type, "
    "document_number FROM person WHERE (citizenship, document_type, document_number) IN "
    "(SELECT * FROM unnest(CAST(:c AS text[]), CAST(:t AS text[]), CAST(:n AS text[])))"
)
_OPEN_PG = text(
    "SELECT DISTINCT person_id FROM card WHERE person_id = ANY(CAST(:ids AS uuid[])) "
    "AND status IN ('pending_entry', 'active')"
)
_OPEN = (Status.pending_entry.value, Status.active.value)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (missing columns, not CSV)."""


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    already_imported: int = 0
    bad: list[tuple[int, str, str]] = field(default_factory=list)  # (line, archive_id, reason)
    seconds: float = 0.0


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        try:
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in COLUMNS if c not in header]
            unknown = [c for c in header if c not in COLUMNS]
            if missing or unknown:
                raise ImportFileError(
                    f"{path}: columns missing {missing or 'none'}, unknown {unknown or 'none'}; "
                    "see docs/import.md"
                )
            for row in reader:
                yield reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k}
        # Past this point nothing can be read reliably: stop with the place, not a traceback.
        # Batches before it are written; after the file is fixed a re-run adds only the rest.
        except UnicodeDecodeError:
            raise ImportFileError(f"{path}: is not UTF-8 text; save it as UTF-8") from None
        except csv.Error as exc:
            raise ImportFileError(
                f"{path}: near line {reader.line_num + 1}: {exc} (a quote left open?)"
            ) from None


def _parse(raw: dict[str, str]) -> ArchiveRow:
    def opt(name: str) -> str | None:
        return raw[name] or None

    return ArchiveRow.model_validate({
        "archive_id": raw["archive_id"],
        "holder": {
            "surname": raw["surname"], "given_names": opt("given_names"),
            "surname_latin": opt("surname_latin"), "given_names_latin": opt("given_names_latin"),
            "date_of_birth": raw["date_of_birth"], "sex": raw["sex"],
            "citizenship": raw["citizenship"],
            "document": {"type": raw["document_type"], "number": raw["document_number"]},
        },
        "purpose": raw["purpose"], "visa_number": opt("visa_number"),
        "planned_from": raw["planned_from"], "planned_until": raw["planned_until"],
        "host": {"kind": raw["host_kind"], "name": raw["host_name"],
                 "address": raw["host_address"]},
        "region": raw["region"], "occupation": opt("occupation"),
        "entered_on": opt("entered_on"), "entry_point": opt("entry_point"),
        "exited_on": opt("exited_on"), "exit_point": opt("exit_point"),
    })  # fmt: skip


def _reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"] if p not in ("holder", "document")) or "row"
        parts.append(f"{where}: {str(err['msg']).removeprefix('Value error, ')}")
    return "; ".join(parts)


def _key(row: ArchiveRow) -> tuple[str, str, str]:
    h = row.holder
    return (h.citizenship, h.document.type.value, h.document.number)


def _same(person: dict[str, Any], row: ArchiveRow) -> bool:
    h = row.holder
    return (
        (person["surname"] or "").casefold() == h.surname.casefold()
        and (person["given_names"] or "").casefold() == (h.given_names or "").casefold()
        and person["date_of_birth"] == h.date_of_birth
        and person["sex"] == h.sex.value
    )


def import_file(
    *,
    engine: Engine,
    path: Path,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH,
) -> ImportResult:
    result = ImportResult()
    started = time.perf_counter()
    seen: dict[str, int] = {}
    batch: list[tuple[int, ArchiveRow]] = []
    previous = 1  # the header's line
    for line, raw in _rows(path):
        result.rows += 1
        first, previous = previous + 1, line
        if line > first and any("\n" in value for value in raw.values()):
            # No field of a paper card holds a line break: a quote was left open and the
            # lines after it were read as one field. Say so, or those rows vanish unseen.
            reason = f"a field runs from line {first} to line {line}; a quote left open?"
            result.bad.append((first, raw.get("archive_id", ""), reason))
            continue
        try:
            row = _parse(raw)
        except ValidationError as exc:
            result.bad.append((line, raw.get("archive_id", ""), _reason(exc)))
            continue
        if row.archive_id in seen:
            result.bad.append(
                (line, row.archive_id, f"archive_id repeats line {seen[row.archive_id]}")
            )
            continue
        seen[row.archive_id] = line
        batch.append((line, row))
        if len(batch) >= batch_size:
            _write(engine, batch, result, source=path.name)
            batch = []
            if progress:
                progress(result.rows)
    if batch:
        _write(engine, batch, result, source=path.name)
    if progress:
        progress(result.rows)
    result.bad.sort()
    result.seconds = time.perf_counter() - started
    return result


def _write(
    engine: Engine, batch: list[tuple[int, ArchiveRow]], result: ImportResult, *, source: str
) -> None:
    for attempt in range(3):
        partial = ImportResult()
        try:
            with transaction(engine) as session:
                _write_batch(session, batch, partial, source=source)
        except (IntegrityError, psycopg.errors.IntegrityError):
            # A card-number collision (45 random bits) or a concurrent import of the same
            # rows: the batch was rolled back as a whole; do it again.
            if attempt == 2:
                raise
            continue
        result.imported += partial.imported
        result.already_imported += partial.already_imported
        result.bad += partial.bad
        return


def _write_batch(
    session: Session, batch: list[tuple[int, ArchiveRow]], result: ImportResult, *, source: str
) -> None:
    ids = [row.archive_id for _, row in batch]
    pg = session.get_bind().dialect.name == "postgresql"
    if pg:  # one array parameter instead of thousands of bound values
        done = set(session.execute(_DONE_PG, {"ids": ids}).scalars())
    else:
        done = set(
            session.exec(
                select(ArchiveImport.archive_id).where(col(ArchiveImport.archive_id).in_(ids))
            ).all()
        )
    todo = [(line, row) for line, row in batch if row.archive_id not in done]
    result.already_imported += len(batch) - len(todo)
    if not todo:
        return
    keys = {_key(row) for _, row in todo}
    people: dict[tuple[str, str, str], dict[str, Any]] = {}
    table = Person.__table__  # type: ignore[attr-defined]
    wanted = tuple_(table.c.citizenship, table.c.document_type, table.c.document_number)
    columns = (
        "id",
        "surname",
        "given_names",
        "date_of_birth",
        "sex",
        "citizenship",
        "document_type",
        "document_number",
    )
    if pg:
        c, t, n = (list(x) for x in zip(*keys, strict=True))
        found = session.execute(_PEOPLE_PG, {"c": c, "t": t, "n": n}).mappings()
    else:
        found = session.execute(
            sa_select(*(table.c[name] for name in columns)).where(wanted.in_(list(keys)))
        ).mappings()
    for p in found:
        people[(p["citizenship"], p["document_type"], p["document_number"])] = dict(p)
    holder_ids = [p["id"] for p in people.values()]
    if not holder_ids:
        open_holders: set[uuid.UUID] = set()
    elif pg:
        open_holders = set(session.execute(_OPEN_PG, {"ids": holder_ids}).scalars())
    else:
        open_holders = set(
            session.exec(
                select(Card.person_id).where(
                    col(Card.person_id).in_(holder_ids), col(Card.status).in_(_OPEN)
                )
            ).all()
        )

    now = clock.now()
    actor = f"import:{source}"[:120]
    new_people: list[dict[str, Any]] = []
    cards: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    imports: list[dict[str, Any]] = []
    for line, row in todo:
        key = _key(row)
        person = people.get(key)
        if person is not None and not _same(person, row):
            result.bad.append((line, row.archive_id, "document is registered to another holder"))
            continue
        if person is None:
            h = row.holder
            person = {
                "id": uuid7(),
                "surname": h.surname,
                "given_names": h.given_names,
                "surname_latin": h.surname_latin,
                "given_names_latin": h.given_names_latin,
                "date_of_birth": h.date_of_birth,
                "sex": h.sex.value,
                "citizenship": h.citizenship,
                "document_type": h.document.type.value,
                "document_number": h.document.number,
                "language": "ru",
                "created_at": now,
                "erased_at": None,
            }
            people[key] = person
            new_people.append(person)
        status = (
            Status.closed
            if row.exited_on
            else Status.active
            if row.entered_on
            else Status.pending_entry
        ).value
        if status in _OPEN:
            if person["id"] in open_holders:
                result.bad.append((line, row.archive_id, "the holder already has an open card"))
                continue
            open_holders.add(person["id"])
        card_id = uuid7()
        cards.append(
            {
                "id": card_id,
                "number": numbers.generate(),
                "serial": 0,
                "person_id": person["id"],
                "status": status,
                "purpose": row.purpose.value,
                "visa_number": row.visa_number,
                "planned_from": row.planned_from,
                "planned_until": row.planned_until,
                "stay_until": row.planned_until,
                "host_kind": row.host.kind.value,
                "host_name": row.host.name,
                "host_address": row.host.address,
                "region": row.region,
                "occupation": row.occupation,
                "telegram_user_id": None,
                "entered_on": row.entered_on,
                "entry_point": row.entry_point,
                "exited_on": row.exited_on,
                "exit_point": row.exit_point,
                "revoked_reason": None,
                # Statistics count a paper card on its own date (paper_date); the import time is
                # kept in archive_import.imported_at and the "created" event.
                "created_at": paper_date(row),
                "updated_at": now,
                "created_by": actor,
            }
        )
        # One event per imported card; the paper record's dates travel in its data.
        history: dict[str, Any] = {"source": "paper archive", "archive_id": row.archive_id}
        if row.entered_on:
            history["entered_on"] = row.entered_on.isoformat()
        if row.exited_on:
            history["exited_on"] = row.exited_on.isoformat()
        events.append(_event(card_id, EventKind.created, actor, now, history))
        imports.append(
            {
                "archive_id": row.archive_id,
                "card_id": card_id,
                "source": source[:200],
                "imported_at": now,
            }
        )
    if not cards:
        return
    for card, serial in zip(cards, reserve_serials(session, len(cards)), strict=True):
        card["serial"] = serial
    # PostgreSQL: COPY (psycopg 3) into the tables; SQLite: executemany.
    insert = copy_insert if pg else bulk_insert
    insert(session, Person.__table__, new_people)  # type: ignore[attr-defined]
    insert(session, Card.__table__, cards)  # type: ignore[attr-defined]
    insert(session, CardEvent.__table__, events)  # type: ignore[attr-defined]
    insert(session, ArchiveImport.__table__, imports)  # type: ignore[attr-defined]
    rollup.add_backdated(session=session, card_ids=[c["id"] for c in cards])
    result.imported += len(cards)


def paper_date(row: ArchiveRow) -> datetime:
    """When a paper card happened: issued at the border on entry, so its entry date, else the
    planned start of the stay. The card has a date, not a time: noon in Moscow, the same day
    in UTC and in Moscow."""
    day = row.entered_on or row.planned_from
    return datetime.combine(day, day_time(12), tzinfo=clock.LEGAL_ZONE)


def _event(
    card_id: uuid.UUID, kind: EventKind, actor: str, at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "card_id": card_id,
        "kind": kind.value,
        "actor": actor,
        "at": at,
        "reason": None,
        "data": data,
    }


def write_report(result: ImportResult, path: Path) -> None:
    """The bad rows as CSV, safe to open in a spreadsheet (see ``spreadsheet_safe``)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["line", "archive_id", "reason"])
        out.writerows([spreadsheet_safe(cell) for cell in row] for row in result.bad)


_FORMULA_START = frozenset("=+-@\t\r\n")


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula (OWASP "CSV injection": it
    starts with = + - @, a tab, CR or another control character) gets a leading apostrophe;
    numbers stay numbers. Archive ids and reasons quote what the file held, so they are
    attacker-controlled text."""
    if not isinstance(value, str) or not value:
        return value
    first = value[0]
    if first in _FORMULA_START or unicodedata.category(first) == "Cc":
        return "'" + value
    return value
