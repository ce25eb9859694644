"""Importing paper cards from CSV in large batches (one transaction a batch).

Every row is validated with the same field rules as the API (``validate``); bad rows are
reported with their line and reason and nothing of them is written. The registry's holder
rules decide each row in file order (``cards.service``). A row whose ``archive_id`` was
imported before is skipped, so the same file can be run again and adds nothing.
PostgreSQL: a batch is one ``COPY`` into a staging table and one set-based statement, the
holder rules running in Python only where they can refuse a row (``staging``), two
batches at once on two connections (``_Turn``); SQLite: executemany, one batch at a time. The
writers work while the next batch is read.
"""

from __future__ import annotations

import csv
import json
import threading
import time
import unicodedata
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as day_time
from pathlib import Path
from typing import Any

import psycopg
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.archive import staging
from service.archive.models import COLUMNS, ArchiveImport
from service.archive.validate import RowValidator, paper_day
from service.archive.validate import reason as validate_reason
from service.cards.models import Card, CardEvent, EventKind, Person, Status
from service.cards.service import (
    OPEN_STATUSES,
    card_row,
    document_key,
    holds_open,
    person_row,
    reserve_serials,
    same_holder,
)
from service.core import clock
from service.core.db import bulk_insert, transaction
from service.stats import rollup

BATCH = 5000  # rows a transaction (PostgreSQL, measured against 2000: less CPU a row)
# PostgreSQL: batches written at once, each by its own connection. Not more than two: a
# batch waits only for the one before it (``_Turn``); three measured no faster.
WRITERS = 2


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
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader, [])]
            if not set(header) & set(COLUMNS):
                # No header row: the first line is a record, personal data not to be echoed.
                raise ImportFileError(
                    f"{path}: line 1 names no column of the layout (no header row?); "
                    "see docs/import.md"
                )
            missing = [c for c in COLUMNS if c not in header]
            unknown = [c for c in header if c and c not in COLUMNS]
            # A column named twice: which one holds the values? (a dict keeps the last)
            repeated = sorted(c for c, n in Counter(header).items() if c and n > 1)
            if missing or unknown or repeated:
                raise ImportFileError(
                    f"{path}: columns missing {missing or 'none'}, unknown {unknown or 'none'}"
                    f", repeated {repeated or 'none'}; see docs/import.md"
                )
            yield from _records(reader, header)
        # Past this point nothing can be read reliably: stop with the place, not a traceback.
        # Batches before it are written; after the file is fixed a re-run adds only the rest.
        except UnicodeDecodeError:
            raise ImportFileError(f"{path}: is not UTF-8 text; save it as UTF-8") from None
        except csv.Error as exc:
            raise ImportFileError(
                f"{path}: near line {reader.line_num + 1}: {exc} (a quote left open?)"
            ) from None


def _records(reader: Any, header: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each record's line and its stripped values by column (a nameless column left out)."""
    names = [h or None for h in header]
    width = len(names)
    strip, named = str.strip, None not in names
    for values in reader:
        if not values:
            continue  # a blank line, as csv.DictReader skips it
        if len(values) < width:
            values += [""] * (width - len(values))
        elif len(values) > width and any(map(strip, values[width:])):
            # A comma left unquoted inside a field: the values no longer match the columns.
            raw = dict(zip(header, map(strip, values), strict=False))
            raw[_EXTRA] = f"the row has {len(values)} values, the header {width} columns"
            yield reader.line_num, raw
            continue
        if named:  # the dict built in C: a fifth of a row's reading time
            yield reader.line_num, dict(zip(header, map(strip, values), strict=False))
        else:
            yield reader.line_num, {k: strip(v) for k, v in zip(names, values, strict=False) if k}


_EXTRA = " extra"  # a record with more values than columns: why it is bad (no column so named)

Row = dict[str, Any]  # a validated row: column → value (see validate.RowValidator)


def import_file(
    *,
    engine: Engine,
    path: Path,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH,
) -> ImportResult:
    result = ImportResult()
    started = time.perf_counter()
    # Writer threads write batches while this one reads and validates the next: the database
    # and Python work at the same time (a writer waits on the server without the GIL). On
    # PostgreSQL two batches are written at once, each by its own connection (``_Turn``).
    writers = WRITERS if engine.dialect.name == "postgresql" else 1
    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="import") as pool:
        pending: deque[tuple[Future[ImportResult], int]] = deque()
        turn = _Turn.first()
        try:
            for batch in _batches(_valid_rows(path, result), batch_size):
                if len(pending) == writers:
                    _collect(*pending.popleft(), result, progress)
                turn = turn.next(batch)
                job = pool.submit(_write, engine, batch, turn, source=path.name)
                pending.append((job, result.rows))
        finally:
            while pending:  # what was read before a broken line is written
                _collect(*pending.popleft(), result, progress)
    if progress:
        progress(result.rows)
    result.bad.sort()
    result.seconds = time.perf_counter() - started
    return result


def _collect(
    job: Future[ImportResult],
    read: int,
    result: ImportResult,
    progress: Callable[[int], None] | None,
) -> None:
    """A written batch's counts and bad rows into ``result``; ``read``: rows read through it."""
    written = job.result()
    result.imported += written.imported
    result.already_imported += written.already_imported
    result.bad += written.bad
    if progress:
        progress(read)


@dataclass
class _Turn:
    """A batch's place after the one before it, when two are written at once (PostgreSQL).

    Two conditions keep the outcome what writing one batch after the other gives. The holder
    rules of a batch that shares a document with the batch before wait until that one has
    committed (they must see the holder it registered, or its open card); batches that share
    none decide on different persons and do not wait. And a batch draws its card serials
    only after the batch before drew its own, so serials follow the file's order."""

    keys: set[tuple[str, str, str]]
    shares: bool  # a document of this batch is in the batch before
    before_drawn: threading.Event
    before_done: threading.Event
    drawn: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def first(cls) -> _Turn:
        """Stands for "nothing before the first batch"."""
        turn = cls(set(), False, threading.Event(), threading.Event())
        turn.drawn.set()
        turn.done.set()
        return turn

    def next(self, batch: list[tuple[int, Row]]) -> _Turn:
        keys = {document_key(row) for _, row in batch}
        return _Turn(keys, not keys.isdisjoint(self.keys), self.drawn, self.done)

    def before_holder_rules(self) -> None:
        if self.shares:
            self.before_done.wait()

    def before_serials(self) -> None:
        self.before_drawn.wait()

    def finished(self) -> None:
        self.drawn.set()
        self.done.set()


def _batches(rows: Iterator[tuple[int, Row]], size: int) -> Iterator[list[tuple[int, Row]]]:
    batch: list[tuple[int, Row]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _valid_rows(path: Path, result: ImportResult) -> Iterator[tuple[int, Row]]:
    """The file's good rows with their line; the bad ones go into ``result.bad``."""
    validate = RowValidator()
    seen: dict[str, int] = {}
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
        if _EXTRA in raw:
            result.bad.append((line, raw["archive_id"], raw[_EXTRA]))
            continue
        try:
            row = validate(raw)
        except ValidationError as exc:
            result.bad.append((line, raw.get("archive_id", ""), validate_reason(exc)))
            continue
        archive_id = row["archive_id"]
        if archive_id in seen:
            result.bad.append((line, archive_id, f"archive_id repeats line {seen[archive_id]}"))
            continue
        seen[archive_id] = line
        yield line, row


def _write(
    engine: Engine, batch: list[tuple[int, Row]], turn: _Turn, *, source: str
) -> ImportResult:
    """Write one batch in its own transaction: its counts and bad rows."""
    try:
        for attempt in range(3):
            written = ImportResult()
            try:
                with transaction(engine) as session:
                    _write_batch(session, batch, written, turn, source=source)
            except (IntegrityError, psycopg.errors.IntegrityError):
                # A card-number collision (45 random bits) or a concurrent import of the same
                # rows: the batch was rolled back as a whole; do it again.
                if attempt == 2:
                    raise
                continue
            return written
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        turn.finished()


@dataclass
class _Plan:
    """What one batch writes (SQLite)."""

    people: list[Row] = field(default_factory=list)
    cards: list[Row] = field(default_factory=list)
    archive_ids: list[str] = field(default_factory=list)
    source: str = ""


def _write_batch(
    session: Session,
    batch: list[tuple[int, Row]],
    result: ImportResult,
    turn: _Turn,
    *,
    source: str,
) -> None:
    if session.get_bind().dialect.name == "postgresql":
        _write_batch_pg(session, batch, result, turn, source=source)
        return
    done = _already_imported(session, [row["archive_id"] for _, row in batch])
    todo = [(line, row) for line, row in batch if row["archive_id"] not in done]
    result.already_imported += len(batch) - len(todo)
    if not todo:
        return
    people = _registered(session, {document_key(row) for _, row in todo})
    open_holders = _with_open_card(session, [p["id"] for p in people.values()])
    plan = _plan(todo, people, open_holders, result, source=source)
    if not plan.cards:
        return
    for card, serial in zip(plan.cards, reserve_serials(session, len(plan.cards)), strict=True):
        card["serial"] = serial
    events, imports = _events_and_imports(plan)
    for table, rows in (
        (Person, plan.people), (Card, plan.cards), (CardEvent, events), (ArchiveImport, imports),
    ):  # fmt: skip
        bulk_insert(session, table.__table__, rows)  # type: ignore[attr-defined, union-attr]
    rollup.add_backdated(session=session, card_ids=[c["id"] for c in plan.cards])
    result.imported += len(plan.cards)


def _write_batch_pg(
    session: Session,
    batch: list[tuple[int, Row]],
    result: ImportResult,
    turn: _Turn,
    *,
    source: str,
) -> None:
    """One COPY and set-based statements (``staging``); the holder rules run here only for
    the rows they can refuse: a registered document, or one repeated within the batch."""
    done = staging.load(session, batch)
    result.already_imported += len(done)
    todo = [item for item in batch if item[0] not in done] if done else batch
    if not todo:
        return
    turn.before_holder_rules()
    refused = _check_holders(session, todo, result)
    turn.before_serials()
    serials = staging.serials(session, len(todo) - refused)
    turn.drawn.set()
    actor = f"import:{source}"[:120]
    imported = staging.merge(
        session, now=clock.now(), actor=actor, source=source[:200], serials=serials
    )
    rollup.add_backdated(session=session, card_ids=staging.IMPORTED_CARDS)
    result.imported += imported


def _check_holders(session: Session, todo: list[tuple[int, Row]], result: ImportResult) -> int:
    """PostgreSQL: the holder rules over the staged rows whose document is registered or
    repeats within the batch (any other row registers its holder, and nothing can refuse
    it); their verdicts go to the staging table (``staging.link``). How many were refused."""
    found = staging.registered(session)
    keys = [document_key(row) for _, row in todo]
    repeated = {key for key, n in Counter(keys).items() if n > 1}
    checked = [
        item for item, key in zip(todo, keys, strict=True) if key in repeated or item[0] in found
    ]
    if not checked:
        return 0
    people = {document_key(row): found[line] for line, row in checked if line in found}
    open_holders = {p["id"] for p in people.values() if p["has_open"]}
    accepted = _holder_rules(checked, people, open_holders, result, new_person=_first_row)
    kept = {line for line, _, _ in accepted}
    # (line, the registered person, or the line that registers the holder)
    links: list[tuple[int, uuid.UUID | None, int | None]] = []
    for line, _, person in accepted:
        first = person.get("first_line")
        if first is None:
            links.append((line, person["id"], None))
        elif first != line:
            links.append((line, None, first))
    refused = [line for line, _ in checked if line not in kept]
    staging.link(session, refused=refused, links=links)
    return len(refused)


def _first_row(line: int, row: Row) -> Row:
    """PostgreSQL: a holder the batch registers, known by the line that registers it."""
    return {"id": ("new", line), "first_line": line, **{c: row[c] for c in _SAME_HOLDER}}


_SAME_HOLDER = ("surname", "given_names", "date_of_birth", "sex")  # what same_holder compares


# SQLite: the batch's values travel as one JSON parameter, not thousands of bound values
# (SQLAlchemy's rendering of those cost more than the query).
_DONE_SQLITE = text(
    "SELECT archive_id FROM archive_import WHERE archive_id IN (SELECT value FROM json_each(:ids))"
)
_PERSON_COLUMNS = ("id", "surname", "given_names", "date_of_birth", "sex", "citizenship",
                   "document_type", "document_number")  # fmt: skip
_PEOPLE_SQLITE = text(
    f"SELECT {', '.join('p.' + c for c in _PERSON_COLUMNS)} FROM json_each(:keys) AS k "  # noqa: S608
    "JOIN person AS p ON p.citizenship = json_extract(k.value, '$[0]') "
    "AND p.document_type = json_extract(k.value, '$[1]') "
    "AND p.document_number = json_extract(k.value, '$[2]')"
).columns(*(Person.__table__.c[c] for c in _PERSON_COLUMNS))  # type: ignore[attr-defined]


def _already_imported(session: Session, ids: list[str]) -> set[str]:
    return set(session.execute(_DONE_SQLITE, {"ids": json.dumps(ids)}).scalars())


def _registered(
    session: Session, keys: set[tuple[str, str, str]]
) -> dict[tuple[str, str, str], Row]:
    """The persons already registered with these documents, by document."""
    found = session.execute(_PEOPLE_SQLITE, {"keys": json.dumps(list(keys))}).mappings()
    people = [dict(p) for p in found]
    return {document_key(p): p for p in people}


def _with_open_card(session: Session, holder_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not holder_ids:
        return set()
    stmt = select(Card.person_id).where(  # open as cards.service.holds_open counts it
        col(Card.person_id).in_(holder_ids),
        col(Card.status).in_(OPEN_STATUSES),
        col(Card.stay_until) >= clock.today(),
    )
    return set(session.exec(stmt).all())


def _holder_rules(
    todo: list[tuple[int, Row]],
    people: dict[tuple[str, str, str], Row],
    open_holders: set[Any],
    result: ImportResult,
    *,
    new_person: Callable[[int, Row], Row],
) -> list[tuple[int, Row, Row]]:
    """The holder rules of the registry, row by row in file order (a row may use the person
    an earlier row registered): the rows accepted, each with its holder; the others go into
    ``result.bad`` with the reason."""
    accepted = []
    today = clock.today()
    for line, row in todo:
        key = document_key(row)
        person = people.get(key)
        if person is not None and not same_holder(person, row):
            result.bad.append((line, row["archive_id"], "document is registered to another holder"))
            continue
        if person is None:
            person = people[key] = new_person(line, row)
        if holds_open(_status(row).value, row["planned_until"], today):
            if person["id"] in open_holders:
                result.bad.append((line, row["archive_id"], "the holder already has an open card"))
                continue
            open_holders.add(person["id"])
        accepted.append((line, row, person))
    return accepted


def _plan(
    todo: list[tuple[int, Row]],
    people: dict[tuple[str, str, str], Row],
    open_holders: set[uuid.UUID],
    result: ImportResult,
    *,
    source: str,
) -> _Plan:
    """SQLite: the rows to write, after the holder rules."""
    plan = _Plan(source=source[:200])
    now = clock.now()
    actor = f"import:{source}"[:120]

    def new_person(_line: int, row: Row) -> Row:
        plan.people.append(person_row(row, language="ru", now=now))
        return plan.people[-1]

    for _line, row, person in _holder_rules(
        todo, people, open_holders, result, new_person=new_person
    ):
        _add_card(plan, row, person_id=person["id"], status=_status(row), actor=actor, now=now)
    return plan


def _status(row: Row) -> Status:
    if row["exited_on"]:
        return Status.closed
    return Status.active if row["entered_on"] else Status.pending_entry


def _add_card(
    plan: _Plan, row: Row, *, person_id: uuid.UUID, status: Status, actor: str, now: datetime
) -> None:
    # Statistics count a paper card on its own date (paper_date); the import time is kept in
    # archive_import.imported_at and the "created" event.
    card = card_row(
        row, person_id=person_id, serial=0, status=status, actor=actor,
        created_at=paper_date(row), now=now,
    )  # fmt: skip
    plan.cards.append(card)
    plan.archive_ids.append(row["archive_id"])


def _events_and_imports(plan: _Plan) -> tuple[list[Row], list[Row]]:
    """SQLite: each card's "created" event (the paper record's dates travel in its data) and
    its archive record. (On PostgreSQL the server builds them: ``staging``.)"""
    events, imports = [], []
    for card, archive_id in zip(plan.cards, plan.archive_ids, strict=True):
        history: dict[str, Any] = {"source": "paper archive", "archive_id": archive_id}
        if card["entered_on"]:
            history["entered_on"] = card["entered_on"].isoformat()
        if card["exited_on"]:
            history["exited_on"] = card["exited_on"].isoformat()
        at = card["updated_at"]
        events.append(_event(card["id"], EventKind.created, card["created_by"], at, history))
        imports.append(
            {"archive_id": archive_id, "card_id": card["id"], "source": plan.source,
             "imported_at": at}
        )  # fmt: skip
    return events, imports


def paper_date(row: Row) -> datetime:
    """When a paper card happened: issued at the border on entry, so its entry date, else the
    planned start of the stay. The card has a date, not a time: noon in Moscow, the same day
    in UTC and in Moscow."""
    return datetime.combine(paper_day(row), day_time(12), tzinfo=clock.LEGAL_ZONE)


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
