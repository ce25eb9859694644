"""The card registry: issuing cards and moving them through their lifecycle.

Stored statuses are pending_entry, active, closed and revoked; ``expired`` is derived from
the dates (stay_until before today, in Moscow) and never written by a job.
"""

from __future__ import annotations

import base64
import binascii
import functools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    text,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import class_mapper
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session, SQLModel, col, select

from service.cards import events, numbers
from service.cards.models import (
    Card,
    CardCreate,
    CardEvent,
    CardPublic,
    CrossingOut,
    DocumentOut,
    EntryIn,
    EventKind,
    ExitIn,
    ExtendIn,
    HolderIn,
    HolderOut,
    HostOut,
    Person,
    RevokeIn,
    Status,
    StayOut,
)
from service.core import changes, clock
from service.core.errors import Conflict, IllegalTransition, NotFound, field_error
from service.core.ids import uuid7
from service.webhooks.models import EventType, OutboxEvent

_OPEN = (Status.pending_entry.value, Status.active.value)
_ISSUE_ATTEMPTS = 5


def effective_status(card: Card, today: date | None = None) -> Status:
    today = today or clock.today()
    if card.status in _OPEN and card.stay_until < today:
        return Status.expired
    return Status(card.status)


# ------------------------------------------------------------------------- issuing


def issue_card(*, session: Session, data: CardCreate, actor: str) -> tuple[Card, Person]:
    """Create (or reuse, by document) the holder and a new card in pending_entry.

    If a write hits a unique index (the same document registered at the same moment by
    another request, or a card-number collision) the attempt is repeated: the second time
    the holder is found and a new number drawn. PostgreSQL: the holder, the card (its serial
    drawn from the sequence), the event and the outbox row are one statement of
    data-modifying CTEs with ``ON CONFLICT DO NOTHING`` (one round trip, no savepoint, no
    aborted transaction); a registered holder is looked up (and locked) when that statement
    found their document taken. SQLite undoes just the failed statement by itself (its writers are
    serialised, see core.db).
    """
    pg = session.get_bind().dialect.name == "postgresql"
    for attempt in range(_ISSUE_ATTEMPTS):
        # PostgreSQL first tries the holder as new: one statement when the document is new;
        # when it is registered, its unique index refuses the holder and the lookup follows.
        person = None if pg and attempt == 0 else _find_holder(session=session, data=data)
        new_person = None
        if person is None:
            new_person = person_row(holder_columns(data.holder), language=data.language)
            person = _detached(Person, new_person)
        else:
            _refuse_second_open_card(session=session, person=person)
            _keep_language(session, person, data.language)
        card_row = _new_card(data, person_id=person.id, actor=actor)
        card = _detached(Card, card_row)
        rows = _IssueRows(
            person=new_person,
            card=card_row,
            event={"kind": EventKind.created.value, "actor": actor, "at": card.created_at,
                   "reason": None, "data": {"purpose": card.purpose, "region": card.region}},
            outbox=events.outbox_row(EventType.card_created, card, status=card.status),
        )  # fmt: skip
        serial = _write_pg(session, rows) if pg else _write_sqlite(session, rows)
        if serial is None:
            continue
        card.serial = serial
        changes.mark(
            session, created=(card.serial, card.id, card.number, card.status, card.stay_until)
        )
        return card, person
    raise Conflict("could not register the card because of concurrent changes; try again")


@dataclass(frozen=True)
class _IssueRows:
    """What one creation writes: the holder's row when new, the card, its event, the outbox."""

    person: dict[str, Any] | None
    card: dict[str, Any]
    event: dict[str, Any]
    outbox: dict[str, Any]


M = TypeVar("M", bound=SQLModel)


def _detached(model: type[M], values: dict[str, Any]) -> M:
    """A row as its table model, built as the ORM builds a loaded row (values put in place,
    nothing tracked, outside any session): ``Model(**values)`` sets each value through the
    instrumentation, which cost a fifth of a creation's Python."""
    obj = class_mapper(model).class_manager.new_instance()
    obj.__dict__.update(values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj  # type: ignore[no-any-return]


def _write_pg(session: Session, rows: _IssueRows) -> int | None:
    """PostgreSQL: every row in one statement; the card's serial, None when a unique index
    refused the holder or the card (then nothing after it was written).

    The statement is compiled once and sent through the session's own psycopg connection (in
    its transaction), each value converted by its column type as SQLAlchemy would: executing
    it through the session cost more Python than building the rows."""
    conn = session.connection()
    compiled = _compiled_issue(rows.person is not None, conn.dialect)
    params = dict(compiled.defaults)
    params |= {f"c_{k}": v for k, v in rows.card.items() if k != "serial"}
    params |= {f"e_{k}": v for k, v in rows.event.items()}
    params |= {f"o_{k}": v for k, v in rows.outbox.items()}
    if rows.person is not None:
        params |= {f"p_{k}": v for k, v in rows.person.items()}
    for name, process in compiled.processors:
        params[name] = process(params[name])
    with conn.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
        found = cursor.execute(compiled.sql, params).fetchone()
    return None if found is None else int(found[0])


@dataclass(frozen=True)
class _Compiled:
    """A statement as the driver takes it: its text, the values it holds itself (the
    sequence's name) and the type conversion of each parameter that needs one."""

    sql: str
    defaults: dict[str, Any]
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]


@functools.lru_cache(maxsize=32)
def _compiled_issue(new_person: bool, dialect: Dialect) -> _Compiled:
    compiled = _issue_statement(new_person).compile(dialect=dialect)
    found = compiled._bind_processors.items() if isinstance(compiled, SQLCompiler) else ()  # noqa: SLF001
    processors = tuple((name, p) for name, p in found if callable(p))
    if (
        not isinstance(compiled, SQLCompiler)
        or len(processors) != len(found)
        or compiled.positiontup
        or compiled.post_compile_params
        or compiled.escaped_bind_names
    ):
        raise RuntimeError("the creation statement must compile to named, plain parameters")
    return _Compiled(sql=compiled.string, defaults=dict(compiled.params), processors=processors)


def _typed(table: Table, prefix: str, names: list[str]) -> list[Any]:
    """Parameters with their columns' types: the psycopg dialect sends each as ``%(x)s::TYPE``,
    which an INSERT ... SELECT needs (it does not infer them from the target columns)."""
    return [bindparam(prefix + n, type_=table.c[n].type) for n in names]


@functools.cache
def _issue_statement(new_person: bool) -> Select[Any]:
    """Built once: ``WITH p AS (INSERT person), c AS (INSERT card SELECT ... FROM p),
    e AS (INSERT card_event SELECT ... FROM c), o AS (INSERT outbox_event SELECT ... FROM c)
    SELECT serial FROM c``; each INSERT writes nothing when the one before it wrote nothing."""
    person, card = Person.__table__, Card.__table__  # type: ignore[attr-defined]
    event, outbox = CardEvent.__table__, OutboxEvent.__table__  # type: ignore[attr-defined]
    names = [c.key for c in card.columns if c.key not in ("serial", "person_id")]
    values = _typed(card, "c_", names) + [func.nextval("card_serial_seq")]
    if new_person:
        p = (
            pg_insert(person)
            .values({c.key: bindparam("p_" + c.key, type_=c.type) for c in person.columns})
            .on_conflict_do_nothing()
            .returning(person.c.id)
            .cte("p")
        )
        source = core_select(*values, p.c.id)
    else:
        source = core_select(*values, *_typed(card, "c_", ["person_id"]))
    c = (
        pg_insert(card)
        .from_select([*names, "serial", "person_id"], source)
        .on_conflict_do_nothing()
        .returning(card.c.id, card.c.serial)
        .cte("c")
    )
    event_names = ["kind", "actor", "at", "reason", "data"]
    e = insert(event).from_select(
        ["card_id", *event_names], core_select(c.c.id, *_typed(event, "e_", event_names))
    )
    outbox_names = ["event_id", "type", "data", "created_at", "dispatched"]
    o = insert(outbox).from_select(
        outbox_names, core_select(*_typed(outbox, "o_", outbox_names)).select_from(c)
    )
    return core_select(c.c.serial).add_cte(e.cte("e"), o.cte("o"))


def _write_sqlite(session: Session, rows: _IssueRows) -> int | None:
    """SQLite: the serial from the counter row, then one INSERT per row; None when a unique
    index refused the holder or the card."""
    serial = _next_serial(session)
    try:
        if rows.person is not None:
            _insert(session, Person.__table__, rows.person)  # type: ignore[attr-defined]
        card_id = _insert(session, Card.__table__, rows.card | {"serial": serial})  # type: ignore[attr-defined]
    except IntegrityError:
        return None
    _insert(session, CardEvent.__table__, rows.event | {"card_id": card_id})  # type: ignore[attr-defined]
    _insert(session, OutboxEvent.__table__, rows.outbox)  # type: ignore[attr-defined]
    return serial


def _insert(session: Session, table: Table, values: dict[str, Any]) -> Any:
    """INSERT one new row with a Core statement; the row's ``id`` as given."""
    session.execute(table.insert(), values)
    return values.get("id")


def _find_holder(*, session: Session, data: CardCreate) -> Person | None:
    """The person with this document (locked for this transaction), or None."""
    h = data.holder
    found = session.execute(
        _HOLDER,
        {"citizenship": h.citizenship, "type": h.document.type.value, "number": h.document.number},
    ).first()
    if found is None:
        return None
    person = _detached(Person, dict(found._mapping))
    if not _same_holder(person, data):
        raise Conflict(
            "this document is already registered to a holder with other personal data",
            errors=[{"field": "holder.document.number", "reason": "registered to another holder"}],
        )
    return person


_PERSON = Person.__table__  # type: ignore[attr-defined]
_HOLDER = (
    core_select(_PERSON)
    .where(
        _PERSON.c.citizenship == bindparam("citizenship"),
        _PERSON.c.document_type == bindparam("type"),
        _PERSON.c.document_number == bindparam("number"),
    )
    .with_for_update()
)


def _refuse_second_open_card(*, session: Session, person: Person) -> None:
    """After the holder's row is locked (so a card created meanwhile is seen)."""
    if session.execute(_OPEN_CARD, {"person": person.id, "today": clock.today()}).first():
        raise Conflict(
            "the holder already has an open card; close or revoke it first",
            reason="open-card-exists",
        )


# An open card that is not expired (see effective_status).
_OPEN_CARD = (
    core_select(col(Card.id))
    .where(
        col(Card.person_id) == bindparam("person"),
        col(Card.status).in_(_OPEN),
        col(Card.stay_until) >= bindparam("today"),
    )
    .limit(1)
)


def _keep_language(session: Session, person: Person, language: str) -> None:
    """The holder's language is the one of their latest card."""
    if person.language != language:
        session.execute(update(_PERSON).where(_PERSON.c.id == person.id).values(language=language))
        person.__dict__["language"] = language


# The holder rules and row builders, shared by the registry and the archive import.

OPEN_STATUSES = _OPEN


def holds_open(status: str, stay_until: date, today: date) -> bool:
    """Whether a card blocks its holder's next one (``_OPEN_CARD``): pending entry or active,
    and its stay not ended (an expired card does not, however old its missing exit stamp)."""
    return status in _OPEN and stay_until >= today


HOLDER_COLUMNS = (
    "surname", "given_names", "surname_latin", "given_names_latin", "date_of_birth", "sex",
    "citizenship", "document_type", "document_number",
)  # fmt: skip


def holder_columns(h: HolderIn) -> dict[str, Any]:
    """A validated holder as the person table's columns."""
    return {
        "surname": h.surname, "given_names": h.given_names, "surname_latin": h.surname_latin,
        "given_names_latin": h.given_names_latin, "date_of_birth": h.date_of_birth,
        "sex": h.sex.value, "citizenship": h.citizenship, "document_type": h.document.type.value,
        "document_number": h.document.number,
    }  # fmt: skip


def document_key(holder: Mapping[str, Any]) -> tuple[str, str, str]:
    """What identifies a holder: the document (citizenship, type, number)."""
    return (holder["citizenship"], holder["document_type"], holder["document_number"])


def same_holder(stored: Mapping[str, Any], holder: Mapping[str, Any]) -> bool:
    """Whether a registered person (columns) is the holder described: names compared without
    case, date of birth and sex exactly. Another person with the same document is refused."""
    return (
        (stored["surname"] or "").casefold() == (holder["surname"] or "").casefold()
        and (stored["given_names"] or "").casefold() == (holder["given_names"] or "").casefold()
        and stored["date_of_birth"] == holder["date_of_birth"]
        and stored["sex"] == holder["sex"]
    )


def person_row(
    holder: Mapping[str, Any], *, language: str, now: datetime | None = None
) -> dict[str, Any]:
    """A new person's row from the holder's columns."""
    return {
        "id": uuid7(),
        **{c: holder[c] for c in HOLDER_COLUMNS},
        "language": language,
        "created_at": now or clock.now(),
        "erased_at": None,
    }


def card_row(
    card: Mapping[str, Any],
    *,
    person_id: uuid.UUID,
    serial: int,
    status: Status,
    actor: str,
    created_at: datetime | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A new card's row: ``card`` holds the card's own columns (purpose ... exit_point;
    those missing are None), the rest is decided by who issues it."""
    now = now or clock.now()
    row = {c: card.get(c) for c in _CARD_COLUMNS}
    row |= {
        "id": uuid7(), "number": numbers.generate(), "serial": serial, "person_id": person_id,
        "status": status.value, "stay_until": card["planned_until"], "revoked_reason": None,
        "created_at": created_at or now, "updated_at": now, "created_by": actor,
    }  # fmt: skip
    return row


_CARD_COLUMNS = (
    "purpose", "visa_number", "planned_from", "planned_until", "host_kind", "host_name",
    "host_address", "region", "occupation", "telegram_user_id", "entered_on", "entry_point",
    "exited_on", "exit_point",
)  # fmt: skip


_NEXT_SERIAL = text("UPDATE card_serial SET next_value = next_value + 1 RETURNING next_value - 1")
_NEXT_SERIAL_PG = text("SELECT nextval('card_serial_seq')")


def _next_serial(session: Session) -> int:
    """The next card serial. PostgreSQL: a sequence, so concurrent creations never wait on
    each other (a rolled-back creation leaves an unused serial: its status-list slot stays
    0, which nobody reads). SQLite: the counter row, whose writers are serialised anyway."""
    if session.get_bind().dialect.name == "postgresql":
        return int(session.execute(_NEXT_SERIAL_PG).scalar_one())
    return int(session.execute(_NEXT_SERIAL).scalar_one())


def reserve_serials(session: Session, count: int) -> list[int]:
    """``count`` new serials at once (the archive import)."""
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text("SELECT nextval('card_serial_seq') FROM generate_series(1, :n)"), {"n": count}
        )
        return [int(r[0]) for r in rows]
    first = int(
        session.execute(
            text("UPDATE card_serial SET next_value = next_value + :n RETURNING next_value - :n"),
            {"n": count},
        ).scalar_one()
    )
    return list(range(first, first + count))


def _new_card(data: CardCreate, *, person_id: uuid.UUID, actor: str) -> dict[str, Any]:
    """The new card's row (its serial is drawn when it is written)."""
    columns = {
        "purpose": data.purpose.value, "visa_number": data.visa_number,
        "planned_from": data.planned_stay.from_, "planned_until": data.planned_stay.until,
        "host_kind": data.host.kind.value, "host_name": data.host.name,
        "host_address": data.host.address, "region": data.region,
        "occupation": data.occupation, "telegram_user_id": data.telegram_user_id,
    }  # fmt: skip
    return card_row(
        columns, person_id=person_id, serial=0, status=Status.pending_entry, actor=actor
    )


def _same_holder(person: Person, data: CardCreate) -> bool:
    stored = {c: getattr(person, c) for c in ("surname", "given_names", "date_of_birth", "sex")}
    return same_holder(stored, holder_columns(data.holder))


# ------------------------------------------------------------------------- lifecycle


def get_card(*, session: Session, card_id: uuid.UUID, for_update: bool = False) -> Card:
    stmt = select(Card).where(Card.id == card_id)
    if for_update:
        stmt = stmt.with_for_update()
    card = session.exec(stmt).first()
    if card is None:
        raise NotFound("no card with this id")
    return card


def _refuse(card: Card, action: str, allowed: tuple[Status, ...]) -> IllegalTransition:
    status = effective_status(card)
    return IllegalTransition(
        f"cannot {action} a card in status {status.value}",
        card_status=status.value,
        action=action,
        allowed_from=[s.value for s in allowed],
    )


def record_entry(*, session: Session, card_id: uuid.UUID, data: EntryIn, actor: str) -> Card:
    card = get_card(session=session, card_id=card_id, for_update=True)
    if effective_status(card) != Status.pending_entry:
        raise _refuse(card, "record entry on", (Status.pending_entry,))
    entered_on = _crossing_day("entered_on", data.entered_on)
    if entered_on > card.stay_until:
        raise field_error("entered_on", "is after the end of the permitted stay")
    card.status = Status.active.value
    card.entered_on = entered_on
    card.entry_point = data.crossing_point
    facts = {"entered_on": entered_on.isoformat(), "crossing_point": data.crossing_point}
    return _changed(session, card, EventKind.entry, EventType.card_activated, actor, data=facts)


def record_exit(*, session: Session, card_id: uuid.UUID, data: ExitIn, actor: str) -> Card:
    card = get_card(session=session, card_id=card_id, for_update=True)
    # An expired card is still an active one that overstayed: its holder must be able to leave.
    if card.status != Status.active.value:
        raise _refuse(card, "record exit on", (Status.active, Status.expired))
    exited_on = _crossing_day("exited_on", data.exited_on)
    if card.entered_on is not None and exited_on < card.entered_on:
        raise field_error("exited_on", "is before the date of entry")
    card.status = Status.closed.value
    card.exited_on = exited_on
    card.exit_point = data.crossing_point
    facts = {
        "exited_on": exited_on.isoformat(),
        "crossing_point": data.crossing_point,
        "overstay": exited_on > card.stay_until,
    }
    return _changed(session, card, EventKind.exit, EventType.card_closed, actor, data=facts)


def extend_stay(*, session: Session, card_id: uuid.UUID, data: ExtendIn, actor: str) -> Card:
    card = get_card(session=session, card_id=card_id, for_update=True)
    if effective_status(card) != Status.active:
        raise _refuse(card, "extend", (Status.active,))
    if data.stay_until <= card.stay_until:
        raise field_error("stay_until", f"must be after the current stay_until {card.stay_until}")
    facts = {"from": card.stay_until.isoformat(), "to": data.stay_until.isoformat()}
    card.stay_until = data.stay_until
    return _changed(
        session, card, EventKind.extended, EventType.card_extended, actor, data.basis, facts
    )


def revoke_card(*, session: Session, card_id: uuid.UUID, data: RevokeIn, actor: str) -> Card:
    card = get_card(session=session, card_id=card_id, for_update=True)
    if card.status not in _OPEN:
        raise _refuse(card, "revoke", (Status.pending_entry, Status.active, Status.expired))
    card.status = Status.revoked.value
    card.revoked_reason = data.reason
    return _changed(session, card, EventKind.revoked, EventType.card_revoked, actor, data.reason)


def _crossing_day(field: str, value: date | None) -> date:
    """The day of an entry or exit: today when not given, never in the future."""
    day = value or clock.today()
    if day > clock.today():
        raise field_error(field, "is in the future")
    return day


def _changed(
    session: Session,
    card: Card,
    kind: EventKind,
    event_type: EventType,
    actor: str,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> Card:
    """After a change of ``card``: stamp it, record the event and emit ``event_type`` with the
    card's new status."""
    card.updated_at = clock.now()
    session.add(card)
    session.add(CardEvent(card_id=card.id, kind=kind.value, actor=actor, reason=reason, data=data))
    session.flush()
    changes.mark(session)
    events.emit(session, event_type, card, status=card.status)
    return card


def list_events(*, session: Session, card_id: uuid.UUID) -> list[CardEvent]:
    get_card(session=session, card_id=card_id)
    return list(
        session.exec(
            select(CardEvent).where(CardEvent.card_id == card_id).order_by(col(CardEvent.id))
        ).all()
    )


# ------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class CardFilter:
    number: str | None = None
    document_number: str | None = None
    telegram_user_id: int | None = None
    status: Status | None = None


def list_cards(
    *, session: Session, filters: CardFilter, cursor: str | None, limit: int
) -> tuple[list[tuple[Card, Person]], str | None]:
    stmt = select(Card, Person).join(Person, col(Person.id) == col(Card.person_id))
    if filters.number is not None:
        canonical = numbers.normalize(filters.number)
        if canonical is None:
            raise field_error("number", "is not a valid card number (check symbol does not match)")
        stmt = stmt.where(Card.number == canonical)
    if filters.document_number is not None:
        doc = filters.document_number.strip().upper().replace(" ", "").replace("-", "")
        stmt = stmt.where(Person.document_number == doc)
    if filters.telegram_user_id is not None:
        stmt = stmt.where(Card.telegram_user_id == filters.telegram_user_id)
    if filters.status is not None:
        stmt = stmt.where(_status_clause(filters.status))
    if cursor is not None:
        stmt = stmt.where(col(Card.id) > _decode_cursor(cursor))
    rows = list(session.exec(stmt.order_by(col(Card.id)).limit(limit + 1)).all())
    next_cursor = _encode_cursor(rows[limit - 1][0].id) if len(rows) > limit else None
    return [(c, p) for c, p in rows[:limit]], next_cursor


def _status_clause(status: Status) -> ColumnElement[bool]:
    """The open statuses as constants, not parameters: only then may PostgreSQL use the
    partial index on stay_until (``OPEN_CLAUSE``) in a plan it prepares once."""
    today = clock.today()
    if status == Status.expired:
        return and_(
            col(Card.status).in_([_constant(s) for s in _OPEN]), col(Card.stay_until) < today
        )
    if status.value in _OPEN:
        return and_(col(Card.status) == _constant(status.value), col(Card.stay_until) >= today)
    return col(Card.status) == status.value


def _constant(status: str) -> ColumnElement[str]:
    return literal_column(f"'{Status(status).value}'")  # a Status value: no quote inside


def _encode_cursor(card_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(card_id.bytes).decode().rstrip("=")


def _decode_cursor(cursor: str) -> uuid.UUID:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (binascii.Error, ValueError):
        raise field_error("cursor", "is not a cursor this API returned") from None


def holder_out(person: Person) -> HolderOut:
    return HolderOut(
        surname=person.surname,
        given_names=person.given_names,
        surname_latin=person.surname_latin,
        given_names_latin=person.given_names_latin,
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        citizenship=person.citizenship,
        document=DocumentOut(type=person.document_type, number=person.document_number),
    )


def to_public(card: Card, person: Person) -> CardPublic:
    return CardPublic(
        id=card.id,
        number=numbers.display(card.number),
        serial=card.serial,
        status=effective_status(card),
        person_id=person.id,
        holder=holder_out(person),
        purpose=card.purpose,
        visa_number=card.visa_number,
        planned_stay=StayOut(from_=card.planned_from, until=card.planned_until),
        stay_until=card.stay_until,
        host=HostOut(kind=card.host_kind, name=card.host_name, address=card.host_address),
        region=card.region,
        occupation=card.occupation,
        language=person.language,
        telegram_user_id=card.telegram_user_id,
        entry=CrossingOut(on=card.entered_on, crossing_point=card.entry_point)
        if card.entered_on
        else None,
        exit=CrossingOut(on=card.exited_on, crossing_point=card.exit_point)
        if card.exited_on
        else None,
        revoked_reason=card.revoked_reason,
        created_at=card.created_at,
        updated_at=card.updated_at,
    )


def get_person(*, session: Session, person_id: uuid.UUID) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("no person with this id")
    return person
