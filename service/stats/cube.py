"""Roll-ups behind /stats/cards/monthly and /stats/outcomes, kept by folding changes.

Each card adds to two small tables: ``stats_monthly`` (cards issued and entries recorded per
Moscow month and combination of region, citizenship, purpose and occupation) and
``stats_outcome`` (outcomes of ended stays and of their checklist obligations per
citizenship, region, occupation and course completion by the deadline). ``stats_card``
keeps what each card added as last folded, so a change is folded as the difference between
the card's new contribution and its counted one.

A card's contribution changes when the card changes (a ``card_event``: creation, entry,
exit, extension, revocation), when an obligation is reported done (``checklist_done``), when
its holder completes the course (``course_completion``), and with the date alone: when its
stay ends or an obligation falls due (``stats_card.recheck_on``). Obligation outcomes are
kept per obligation (``item``, its policy id; empty for a card's own outcome).
``stats_rollup_state`` holds the ids of those tables folded through (with the ten-second
margin of rollup.py for transactions still open). A query adds to the tables the difference
for the cards changed since (computed, not written), so answers are exact and current.
Erasure moves a counted card's occupation in the same transaction (``forget``). Outcomes
depend on the checklist policy: the state names the policy version the facts were computed
with; under another version a query counts from scratch until the next fold rebuilds the
tables (also ``onboard stats rebuild``). A migration that changes the shape of the facts
empties ``stats_outcome`` and clears the version (migration 0021), so the same path rebuilds
them.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, literal_column, select, text
from sqlmodel import Session, col

from service.cards.models import Card, CardEvent, EventKind, Person, Status
from service.checklist.models import ChecklistDone
from service.checklist.policy import Obligation, Policy
from service.core import clock
from service.core.db import bulk_insert, copy_insert
from service.course.models import CourseCompletion
from service.stats import rollup
from service.stats.models import StatsCard, StatsRollupState

CHUNK = 5000
REBUILD_ABOVE = 200_000  # changed cards in one fold
NOT_GIVEN = rollup.NOT_GIVEN
_OB_CODE = {"met_on_time": "m", "late": "l", "missed": "x"}
_OB_NAME = {v: k for k, v in _OB_CODE.items()}

MonthKey = tuple[str, str, str, str, str, str]  # measure, month, region, cit., purpose, occ.
OutcomeKey = tuple[str, str, str, str, str, bool, str]  # kind, item, cit., region, occ., took,
# outcome; item: the obligation's id ("" for a card's own outcome)
Obligations = tuple[tuple[str, str, bool], ...]  # (obligation id, outcome, course completed)


@dataclass(frozen=True)
class Facts:
    """What one card adds to the roll-ups."""

    issued: str
    entered: str | None
    region: str
    citizenship: str
    purpose: str
    occupation: str
    outcome: str | None = None  # the card's outcome once its stay has ended
    took: bool = False  # course completed by the end of the stay
    obligations: Obligations = ()  # (id, outcome, course completed by the due date)
    recheck_on: date | None = None  # the first day the date alone can change the above

    def months(self) -> Iterator[MonthKey]:
        dims = (self.region, self.citizenship, self.purpose, self.occupation)
        yield ("issued", self.issued, *dims)
        if self.entered is not None:
            yield ("arrivals", self.entered, *dims)

    def outcomes(self) -> Iterator[OutcomeKey]:
        dims = (self.citizenship, self.region, self.occupation)
        if self.outcome is not None:
            yield ("card", "", *dims, self.took, self.outcome)
        for item, outcome, took in self.obligations:
            yield ("obligation", item, *dims, took, outcome)


def policy_version(policy: Policy) -> str:
    return str(policy.version)


def counted(policy: Policy) -> tuple[Obligation, ...]:
    """The obligations whose outcomes are counted: reported done, counted from entry."""
    return tuple(ob for ob in policy.obligations if ob.reportable and ob.event == "entry")


# ------------------------------------------------------------------------- facts of cards


def _issued_month(session: Session) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return literal_column("to_char(card.created_at AT TIME ZONE 'Europe/Moscow', 'YYYY-MM')")
    # Moscow has kept UTC+3 all year since 26 October 2014.
    return func.strftime("%Y-%m", col(Card.created_at), "+3 hours")


def _entered_month(session: Session) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return literal_column("to_char(card.entered_on, 'YYYY-MM')")
    return func.strftime("%Y-%m", col(Card.entered_on))


def _card_rows(session: Session, ids: list[uuid.UUID] | None, after: uuid.UUID | None) -> list[Any]:
    extended = exists().where(
        col(CardEvent.card_id) == col(Card.id), col(CardEvent.kind) == EventKind.extended.value
    )
    first_completion = (
        select(func.min(col(CourseCompletion.completed_at)))
        .where(col(CourseCompletion.person_id) == col(Card.person_id))
        .scalar_subquery()
    )
    stmt = select(
        col(Card.id), col(Card.status), col(Card.stay_until), col(Card.exited_on),
        col(Card.entered_on), col(Card.planned_from), col(Card.purpose), col(Card.region),
        col(Card.visa_number), col(Person.citizenship),
        rollup.key_column("occupation").label("occupation"),
        _issued_month(session).label("issued"), _entered_month(session).label("entered"),
        extended.label("extended"), first_completion.label("completed_at"),
    ).join(Person, col(Person.id) == col(Card.person_id))  # fmt: skip
    if ids is not None:
        return list(session.execute(stmt.where(col(Card.id).in_(ids))).all())
    # The next chunk's ids first (the primary key's index, whatever the statistics say), then
    # their rows: a join ordered and limited can be planned as a sort of the whole table.
    page = select(col(Card.id)).order_by(col(Card.id)).limit(CHUNK)
    if after is not None:
        page = page.where(col(Card.id) > after)
    chunk = list(session.execute(page).scalars())
    if not chunk:
        return []
    low = [] if after is None else [col(Card.id) > after]  # a range of the index, not a list
    return list(session.execute(stmt.where(*low, col(Card.id) <= chunk[-1])).all())


def _dones(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, date]]:
    """The first day each obligation was reported done, per card."""
    out: dict[uuid.UUID, dict[str, date]] = {}
    card, item = col(ChecklistDone.card_id), col(ChecklistDone.item_id)
    stmt = (
        select(card, item, func.min(col(ChecklistDone.done_on)))
        .where(card.in_(ids))
        .group_by(card, item)
    )
    for card_id, item_id, done_on in session.execute(stmt).all():
        if isinstance(done_on, str):  # SQLite returns MIN() of a date as text
            done_on = date.fromisoformat(done_on)
        out.setdefault(card_id, {})[item_id] = done_on
    return out


def _moscow_date(value: datetime | str | None) -> date | None:
    """A completion time as a Moscow date (SQLite returns MIN() of a datetime as text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(clock.LEGAL_ZONE).date()


def card_outcome(status: str, extended: bool, exited_on: date | None, stay_until: date) -> str:
    if status == Status.revoked:
        return "revoked"
    if extended:
        return "extended"
    if exited_on is not None and exited_on <= stay_until:
        return "exit_on_time"
    return "overstayed"  # no exit by the end of the stay (still open, or left late)


def _obligations(
    row: Any, policy: Policy, finished: date | None, dones: dict[str, date], today: date
) -> tuple[Obligations, date | None]:
    """The obligations counted from entry that fell due within the ended stay (as the
    checklist counts them: one deadline function, by the card's regime), and the day the
    next one falls due (``recheck_on``)."""
    if row.entered_on is None:
        return (), None
    end = min(row.stay_until, row.exited_on or row.stay_until)
    citizenship, purpose = row.citizenship, row.purpose
    regime = policy.regimes.of(
        citizenship=citizenship, purpose=purpose, has_visa=bool(row.visa_number)
    )
    stay_days = (row.stay_until - row.entered_on).days
    out: list[tuple[str, str, bool]] = []
    recheck: date | None = None
    for ob in counted(policy):
        if not ob.applies_to(regime):
            continue
        rule = ob.rule_for(
            regime=regime, purpose=purpose, citizenship=citizenship, stay_days=stay_days
        )
        if rule is None:
            continue
        due = policy.due(ob, rule, row.entered_on).on
        if due > end:
            continue  # not due within the stay
        if due >= today:
            recheck = min(recheck or date.max, due + timedelta(days=1))
            continue
        done_on = dones.get(ob.id)
        outcome = "missed" if done_on is None else "met_on_time" if done_on <= due else "late"
        out.append((ob.id, outcome, finished is not None and finished <= due))
    return tuple(out), recheck


def _facts(row: Any, policy: Policy | None, dones: dict[str, date], today: date) -> Facts:
    base = Facts(
        issued=str(row.issued), entered=None if row.entered is None else str(row.entered),
        region=row.region, citizenship=row.citizenship, purpose=row.purpose,
        occupation=str(row.occupation),
    )  # fmt: skip
    ended = row.stay_until < today or row.status in (Status.closed, Status.revoked)
    if policy is None:
        return base
    if not ended:
        return replace(base, recheck_on=row.stay_until + timedelta(days=1))
    finished = _moscow_date(row.completed_at)
    outcome = card_outcome(row.status, bool(row.extended), row.exited_on, row.stay_until)
    took = finished is not None and finished <= row.stay_until
    if row.status == Status.revoked:  # the stay was cut short: its obligations no longer ran
        return replace(base, outcome=outcome, took=took)
    obligations, recheck = _obligations(row, policy, finished, dones, today)
    return replace(base, outcome=outcome, took=took, obligations=obligations, recheck_on=recheck)


def _facts_of_rows(
    session: Session, rows: list[Any], policy: Policy | None, today: date
) -> dict[uuid.UUID, Facts]:
    ended = [r.id for r in rows if r.stay_until < today or r.status == Status.closed]
    dones = _dones(session, ended) if policy is not None and ended else {}
    return {r.id: _facts(r, policy, dones.get(r.id, {}), today) for r in rows}


def facts_of(
    session: Session, ids: Iterable[uuid.UUID], policy: Policy | None, today: date
) -> dict[uuid.UUID, Facts]:
    """Facts of the given cards as they are now (policy None: the monthly part only)."""
    out: dict[uuid.UUID, Facts] = {}
    for chunk in _chunks(list(ids)):
        out |= _facts_of_rows(session, _card_rows(session, chunk, None), policy, today)
    return out


def all_facts(
    session: Session, policy: Policy | None, today: date
) -> Iterator[dict[uuid.UUID, Facts]]:
    """Facts of every card, a chunk at a time (by card id)."""
    after: uuid.UUID | None = None
    while True:
        rows = _card_rows(session, None, after)
        if not rows:
            return
        yield _facts_of_rows(session, rows, policy, today)
        after = max(r.id for r in rows)


def _chunks(ids: list[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


# ------------------------------------------------------------------------ stored facts


def _to_row(card_id: uuid.UUID, f: Facts) -> dict[str, Any]:
    """``obligations`` as ``id:m1,id:l0``: each obligation's id, an outcome letter and 1 when
    the course was completed by its due date."""
    obligations = ",".join(f"{i}:{_OB_CODE[o]}{'1' if t else '0'}" for i, o, t in f.obligations)
    return {
        "card_id": card_id, "issued": f.issued, "entered": f.entered, "region": f.region,
        "citizenship": f.citizenship, "purpose": f.purpose, "occupation": f.occupation,
        "outcome": f.outcome, "took": f.took, "obligations": obligations,
        "recheck_on": f.recheck_on,
    }  # fmt: skip


def _from_row(row: Any) -> Facts:
    tokens = (token.rpartition(":") for token in row.obligations.split(",") if token)
    obligations = tuple((item, _OB_NAME[code[0]], code[1] == "1") for item, _, code in tokens)
    return Facts(
        issued=row.issued, entered=row.entered, region=row.region,
        citizenship=row.citizenship, purpose=row.purpose, occupation=row.occupation,
        outcome=row.outcome, took=bool(row.took), obligations=obligations,
        recheck_on=row.recheck_on,
    )  # fmt: skip


def stored(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Facts]:
    out: dict[uuid.UUID, Facts] = {}
    for chunk in _chunks(list(ids)):
        rows = session.execute(
            select(StatsCard.__table__).where(col(StatsCard.card_id).in_(chunk))  # type: ignore[attr-defined]
        ).all()
        out |= {r.card_id: _from_row(r) for r in rows}
    return out


def _write(session: Session, facts: dict[uuid.UUID, Facts]) -> None:
    table = StatsCard.__table__  # type: ignore[attr-defined]
    rows = [_to_row(k, f) for k, f in facts.items()]
    pg = session.get_bind().dialect.name == "postgresql"
    if rows:
        (copy_insert if pg else bulk_insert)(session, table, rows)


# ------------------------------------------------------------------------------ deltas


@dataclass
class Delta:
    months: Counter[MonthKey]
    outcomes: Counter[OutcomeKey]

    @classmethod
    def empty(cls) -> Delta:
        return cls(Counter(), Counter())

    def add(self, f: Facts, sign: int) -> None:
        for m in f.months():
            self.months[m] += sign
        for o in f.outcomes():
            self.outcomes[o] += sign


def difference(new: dict[uuid.UUID, Facts], old: dict[uuid.UUID, Facts]) -> Delta:
    delta = Delta.empty()
    for f in new.values():
        delta.add(f, 1)
    for f in old.values():
        delta.add(f, -1)
    return delta


_ADD_MONTH = text(
    "INSERT INTO stats_monthly (measure, month, region, citizenship, purpose, occupation, cards)"
    " VALUES (:measure, :month, :region, :citizenship, :purpose, :occupation, :n)"
    " ON CONFLICT (measure, month, region, citizenship, purpose, occupation)"
    " DO UPDATE SET cards = stats_monthly.cards + excluded.cards"
)
_ADD_OUTCOME = text(
    "INSERT INTO stats_outcome (kind, item, citizenship, region, occupation, took, outcome, n)"
    " VALUES (:kind, :item, :citizenship, :region, :occupation, :took, :outcome, :n)"
    " ON CONFLICT (kind, item, citizenship, region, occupation, took, outcome)"
    " DO UPDATE SET n = stats_outcome.n + excluded.n"
)
_MONTH_FIELDS = ("measure", "month", "region", "citizenship", "purpose", "occupation")
_OUTCOME_FIELDS = ("kind", "item", "citizenship", "region", "occupation", "took", "outcome")


def apply(session: Session, delta: Delta) -> None:
    months = [
        dict(zip(_MONTH_FIELDS, k, strict=True)) | {"n": n} for k, n in delta.months.items() if n
    ]
    outcomes = [
        dict(zip(_OUTCOME_FIELDS, k, strict=True)) | {"n": n}
        for k, n in delta.outcomes.items()
        if n
    ]
    if months:
        session.execute(_ADD_MONTH, months)
    if outcomes:
        session.execute(_ADD_OUTCOME, outcomes)


# ------------------------------------------------------------------------------- folding


@dataclass(frozen=True)
class Marks:
    events: int
    dones: int
    completions: int


_SOURCES = (
    (CardEvent, CardEvent.at),
    (ChecklistDone, ChecklistDone.at),
    (CourseCompletion, CourseCompletion.completed_at),
)


def _through(session: Session, model: Any, at: Any, low: int, high: datetime) -> int:
    """The highest id such that every row up to it is older than ``high`` (so committed). A
    row stamped later than now plus the margin (a date in the future, entered by hand) was
    not stamped by a transaction still open, and does not hold the others back."""
    future = high + 2 * rollup.MARGIN
    newer = session.execute(
        select(func.min(model.id)).where(model.id > low, col(at) > high, col(at) <= future)
    ).scalar()
    if newer is not None:
        return int(newer) - 1
    top = session.execute(select(func.max(model.id)).where(model.id > low)).scalar()
    return low if top is None else int(top)


def _marks(session: Session, low: Marks, high: datetime) -> Marks:
    lows = (low.events, low.dones, low.completions)
    got = [_through(session, m, at, lo, high) for (m, at), lo in zip(_SOURCES, lows, strict=True)]
    return Marks(*got)


def _after(column: Any, id_column: Any, low: int, high: int | None) -> Any:
    stmt = select(column).where(id_column > low)
    return stmt if high is None else stmt.where(id_column <= high)


def changed(session: Session, low: Marks, high: Marks | None, today: date) -> set[uuid.UUID]:
    """Cards whose contribution may have changed after ``low`` (up to ``high``; None: now)."""
    his = (None, None, None) if high is None else (high.events, high.dones, high.completions)
    events = _after(CardEvent.card_id, CardEvent.id, low.events, his[0])
    dones = _after(ChecklistDone.card_id, ChecklistDone.id, low.dones, his[1])
    people = _after(CourseCompletion.person_id, CourseCompletion.id, low.completions, his[2])
    due = select(col(StatsCard.card_id)).where(col(StatsCard.recheck_on) <= today)
    out: set[uuid.UUID] = set()
    for stmt in (events, dones, due, select(col(Card.id)).where(col(Card.person_id).in_(people))):
        out.update(session.execute(stmt).scalars())
    return out


def state(session: Session, *, for_update: bool = False) -> StatsRollupState | None:
    stmt = select(StatsRollupState).where(col(StatsRollupState.id) == 1)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalars().first()


def _marks_of(s: StatsRollupState) -> Marks:
    return Marks(s.events_through, s.dones_through, s.completions_through)


def fold(*, session: Session, policy: Policy) -> int:
    """Fold the changes since the last fold (or rebuild under another policy version);
    returns how many cards were refreshed. Call under rollup.fold's lock."""
    current = state(session, for_update=True)
    if current is None or current.policy != policy_version(policy):
        return rebuild(session=session, policy=policy)
    today = clock.today()
    low = _marks_of(current)
    high = _marks(session, low, clock.now() - rollup.MARGIN)
    ids = changed(session, low, high, today)
    if len(ids) > REBUILD_ABOVE:  # after a large import: reading every card is quicker
        return rebuild(session=session, policy=policy)
    for chunk in _chunks(sorted(ids)):
        new, old = facts_of(session, chunk, policy, today), stored(session, chunk)
        apply(session, difference(new, old))
        session.execute(delete(StatsCard).where(col(StatsCard.card_id).in_(chunk)))
        _write(session, new)
    _save(session, high, policy)
    return len(ids)


def _save(session: Session, marks: Marks, policy: Policy) -> None:
    row = session.get(StatsRollupState, 1) or StatsRollupState(
        id=1, events_through=0, dones_through=0, completions_through=0, policy=""
    )
    row.events_through, row.dones_through = marks.events, marks.dones
    row.completions_through, row.policy = marks.completions, policy_version(policy)
    row.folded_at = clock.now()
    session.add(row)
    session.flush()


def rebuild(*, session: Session, policy: Policy) -> int:
    """Compute the roll-ups from every card again; returns the number of cards."""
    for table in ("stats_card", "stats_monthly", "stats_outcome"):
        session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 (fixed names)
    marks = _marks(session, Marks(0, 0, 0), clock.now() - rollup.MARGIN)
    total, delta = 0, Delta.empty()
    for facts in all_facts(session, policy, clock.today()):
        for f in facts.values():
            delta.add(f, 1)
        _write(session, facts)
        total += len(facts)
    apply(session, delta)
    _save(session, marks, policy)
    return total


def pending(session: Session, policy: Policy | None, today: date) -> Delta | None:
    """What the changes since the last fold add to the tables, or None when the tables
    cannot answer (never folded, or folded under another policy version). The caller
    then reads the tables in the same transaction, which must see one snapshot
    (``db.one_snapshot``; PostgreSQL's READ COMMITTED reads each statement as of its own
    start: a fold committed between the two reads would be counted in both)."""
    current = state(session)
    if current is None or (policy is not None and current.policy != policy_version(policy)):
        return None
    ids = changed(session, _marks_of(current), None, today)
    return difference(facts_of(session, ids, policy, today), stored(session, ids))


def from_scratch(session: Session, policy: Policy | None, today: date) -> Delta:
    """Every card's contribution counted now (the reference the tables must equal)."""
    delta = Delta.empty()
    for facts in all_facts(session, policy, today):
        for f in facts.values():
            delta.add(f, 1)
    return delta


def forget(*, session: Session, card_ids: list[uuid.UUID]) -> None:
    """Erasure: counted cards move to the occupation "(not given)" in both roll-ups, in the
    same transaction."""
    old = {k: f for k, f in stored(session, card_ids).items() if f.occupation != NOT_GIVEN}
    if not old:
        return
    new = {k: replace(f, occupation=NOT_GIVEN) for k, f in old.items()}
    apply(session, difference(new, old))
    session.execute(
        StatsCard.__table__.update()  # type: ignore[attr-defined]
        .where(col(StatsCard.card_id).in_(list(old)))
        .values(occupation=NOT_GIVEN)
    )
