"""Outcomes of ended stays and of checklist obligations, split by whether the holder had
completed the adaptation course before the deadline.

Observational: the holders chose to take the course, so a difference between the two groups
is an association, not the course's effect (see NOTE).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import exists, func, or_
from sqlmodel import Session, col, select

from service.cards.models import Card, CardEvent, EventKind, Person, Status
from service.checklist.models import ChecklistDone
from service.checklist.policy import Policy
from service.core import clock
from service.course.models import CourseCompletion
from service.stats.disclosure import protect
from service.stats.labels import Lang, label

CARD_OUTCOMES = ("exit_on_time", "overstayed", "extended", "revoked")
OBLIGATION_OUTCOMES = ("met_on_time", "late", "missed")

NOTE = {
    Lang.ru: (
        "Это наблюдение, а не эксперимент: курс проходят по своему выбору, и прошедшие его "
        "могут отличаться от остальных и в другом (цель поездки, опыт, работодатель, язык). "
        "Разница между группами показывает, как часто исход встречается у тех и у других, "
        "но не доказывает, что её вызвал курс. Пройденным считается курс, завершённый не "
        "позже срока (конца пребывания или срока обязанности). Ячейки меньше порога скрыты, "
        "числа округлены; доли посчитаны по показанным числам."
    ),
    Lang.en: (
        "This is an observation, not an experiment: people take the course by choice, and "
        "those who do may differ in other ways (purpose, experience, employer, language). A "
        "difference between the groups shows how often an outcome occurs in each, not that "
        "the course caused it. The course counts as completed when it was finished by the "
        "deadline (the end of the stay, or the obligation's due date). Cells under the "
        "threshold are hidden and figures rounded; shares are computed from the shown figures."
    ),
}


class OutcomesBy(StrEnum):
    course = "course"
    citizenship = "citizenship"
    region = "region"


class OutcomeGroup(BaseModel):
    code: str
    label: str
    course_completed: bool = PField(description="Completed the course by the deadline")
    total: int | None = PField(description="Null when suppressed")
    counts: dict[str, int | None]
    shares: dict[str, float | None] = PField(description="count / total of the shown figures")


class Outcomes(BaseModel):
    by: OutcomesBy
    lang: Lang
    min_cell: int
    round_base: int
    note: str
    cards: list[OutcomeGroup] = PField(
        description="Cards whose stay has ended: " + ", ".join(CARD_OUTCOMES)
    )
    obligations: list[OutcomeGroup] = PField(
        description="Checklist obligations falling due within ended stays: "
        + ", ".join(OBLIGATION_OUTCOMES)
    )
    suppressed_cells: int
    as_of: datetime


def _moscow_date(value: datetime | str | None) -> date | None:
    """A completion time as a Moscow date (SQLite returns MIN() of a datetime as text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(clock.LEGAL_ZONE).date()


# Only the columns the outcomes need (no ORM objects: a registry has millions of cards).
_COLUMNS = (
    col(Card.id), col(Card.status), col(Card.stay_until), col(Card.exited_on),
    col(Card.entered_on), col(Card.planned_from), col(Card.purpose), col(Card.region),
    col(Card.visa_number),
)  # fmt: skip


def _card_outcome(card: Any, extended: bool) -> str:
    if card.status == Status.revoked:
        return "revoked"
    if extended:
        return "extended"
    if card.exited_on is not None and card.exited_on <= card.stay_until:
        return "exit_on_time"
    return "overstayed"  # no exit by the end of the stay (still open, or left late)


def outcomes(
    *,
    session: Session,
    policy: Policy,
    by: OutcomesBy,
    lang: Lang,
    min_cell: int,
    round_base: int,
) -> Outcomes:
    today = clock.today()
    extended_q = exists().where(
        col(CardEvent.card_id) == col(Card.id), col(CardEvent.kind) == EventKind.extended.value
    )
    ended = or_(
        col(Card.stay_until) < today,
        col(Card.status).in_([Status.closed.value, Status.revoked.value]),
    )
    first_completion = (
        select(
            col(CourseCompletion.person_id).label("person_id"),
            func.min(col(CourseCompletion.completed_at)).label("at"),
        )
        .group_by(col(CourseCompletion.person_id))
        .subquery()
    )
    rows = session.execute(
        select(*_COLUMNS, col(Person.citizenship), extended_q, first_completion.c.at)  # type: ignore[call-overload]
        .join(Person, col(Person.id) == col(Card.person_id))
        .outerjoin(first_completion, first_completion.c.person_id == col(Card.person_id))
        .where(ended)
    ).all()
    dones: dict[uuid.UUID, dict[str, date]] = defaultdict(dict)
    for card_id, item_id, done_on in session.execute(
        select(col(ChecklistDone.card_id), col(ChecklistDone.item_id), col(ChecklistDone.done_on))
        .join(Card, col(Card.id) == col(ChecklistDone.card_id))
        .where(ended)
    ).all():
        first = dones[card_id].get(item_id)
        if first is None or done_on < first:
            dones[card_id][item_id] = done_on

    card_counts: dict[tuple[str, bool], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    ob_counts: dict[tuple[str, bool], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        card, (citizenship, extended, completed_at) = row, row[-3:]
        code = {"course": "all", "citizenship": citizenship, "region": card.region}[by.value]
        finished = _moscow_date(completed_at)
        took = finished is not None and finished <= card.stay_until
        card_counts[(code, took)][_card_outcome(card, bool(extended))] += 1
        if card.status == Status.revoked:
            continue  # the stay was cut short: its obligations no longer ran
        end = min(card.stay_until, card.exited_on or card.stay_until)
        # The obligations counted from entry, as the checklist counts them (one deadline
        # function, by the card's regime); those counted from a patent need its record.
        regime = policy.regimes.of(
            citizenship=citizenship, purpose=card.purpose, has_visa=bool(card.visa_number)
        )
        for ob in policy.obligations:
            if not ob.reportable or ob.event != "entry" or not ob.applies_to(regime):
                continue
            stay_days = (card.stay_until - (card.entered_on or card.planned_from)).days
            rule = ob.rule_for(
                regime=regime, purpose=card.purpose, citizenship=citizenship, stay_days=stay_days
            )
            event = card.entered_on
            if rule is None or event is None:
                continue
            due = policy.due(ob, rule, event).on
            if due > end or due >= today:
                continue  # not due within the stay
            done_on = dones[card.id].get(ob.id)
            outcome = "missed" if done_on is None else "met_on_time" if done_on <= due else "late"
            took_by_due = finished is not None and finished <= due
            ob_counts[(code, took_by_due)][outcome] += 1

    suppressed = 0

    def groups(
        counts: dict[tuple[str, bool], dict[str, int]], kinds: tuple[str, ...]
    ) -> list[OutcomeGroup]:
        nonlocal suppressed
        out = []
        for (code, took), cells in sorted(counts.items(), key=lambda kv: (kv[0][0], not kv[0][1])):
            total = protect(sum(cells.values()), min_cell=min_cell, base=round_base)
            shown = {
                k: protect(cells[k], min_cell=min_cell, base=round_base) if cells[k] else 0
                for k in kinds
            }
            suppressed += sum(1 for v in shown.values() if v is None) + (total is None)
            shares = {
                k: (round(v / total, 3) if v is not None and total else None)
                for k, v in shown.items()
            }
            name = (
                {Lang.ru: "все", Lang.en: "all"}[lang] if by is OutcomesBy.course
                else label(by.value, code, lang)
            )  # fmt: skip
            out.append(
                OutcomeGroup(
                    code=code,
                    label=name,
                    course_completed=took,
                    total=total,
                    counts=shown,
                    shares=shares,
                )  # fmt: skip
            )
        return out

    return Outcomes(
        by=by, lang=lang, min_cell=min_cell, round_base=round_base, note=NOTE[lang],
        cards=groups(card_counts, CARD_OUTCOMES),
        obligations=groups(ob_counts, OBLIGATION_OUTCOMES),
        suppressed_cells=suppressed, as_of=clock.now(),
    )  # fmt: skip
