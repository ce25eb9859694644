"""Outcomes of ended stays and of checklist obligations, split by whether the holder had
completed the adaptation course before the deadline.

Observational: the holders chose to take the course, so a difference between the two groups
is an association, not the course's effect (see NOTE).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import text
from sqlmodel import Session

from service.checklist.policy import Policy
from service.core import clock
from service.core.errors import field_error
from service.stats import cube
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


class Choice(BaseModel):
    code: str
    label: str


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
        + "; every obligation together, or the one named by the `obligation` filter"
    )
    obligation_choices: list[Choice] = PField(
        default_factory=list,
        description="The obligations `obligation=` can name: the policy's id and its title",
    )
    suppressed_cells: int
    as_of: datetime
    filters: dict[str, str] = PField(
        default_factory=dict,
        description="The region, citizenship and occupation the cards were narrowed to, and "
        "the obligation the obligations were narrowed to",
    )


Counts = dict[tuple[str, bool], dict[str, int]]
FILTERS = ("citizenship", "region", "occupation")  # the roll-up's keys, in a delta's order


def choices(policy: Policy, lang: Lang) -> list[Choice]:
    """The obligations whose outcomes are counted, by id, with their title in ``lang``."""
    return [
        Choice(code=ob.id, label=ob.title.get(lang.value) or ob.title.get("en") or ob.id)
        for ob in cube.counted(policy)
    ]


def _from_table(
    session: Session, by: OutcomesBy, wanted: dict[str, str], item: str | None
) -> list[Any]:
    """Rows (kind, group, took, outcome, n) of the ``stats_outcome`` roll-up, narrowed by the
    filters (names from FILTERS) and, for the obligations, to ``item`` when given."""
    code = "'all'" if by is OutcomesBy.course else by.value  # a fixed column name
    where = [f"{k} = :{k}" for k in wanted]
    params = dict(wanted)
    if item is not None:
        where.append("(kind = 'card' OR item = :item)")
        params["item"] = item
    return list(
        session.execute(
            text(
                f"SELECT kind, {code}, took, outcome, SUM(n) FROM stats_outcome "  # noqa: S608
                f"WHERE {' AND '.join(where) or 'TRUE'} GROUP BY 1, 2, 3, 4"
            ),
            params,
        ).all()
    )


def _counts(
    session: Session, policy: Policy, by: OutcomesBy, filters: dict[str, str], item: str | None
) -> tuple[Counts, Counts]:
    """True counts per (group, course completed) and outcome, for cards and obligations: the
    ``stats_outcome`` roll-up plus the changes since its last fold (cube.py); ``filters``
    (region, citizenship, occupation) narrow the cards counted, ``item`` (an obligation's id)
    the obligations."""
    if not set(filters) <= set(FILTERS):  # they become column names below
        raise ValueError(f"unknown filters: {sorted(set(filters) - set(FILTERS))}")
    wanted = {k: v.lower() if k == "occupation" else v for k, v in filters.items()}
    cards: Counts = defaultdict(lambda: defaultdict(int))
    obligations: Counts = defaultdict(lambda: defaultdict(int))
    kinds = {"card": cards, "obligation": obligations}
    today = clock.today()
    delta = cube.pending(session, policy, today)
    if delta is None:
        delta = cube.from_scratch(session, policy, today)
    else:
        for kind, key, took, outcome, n in _from_table(session, by, wanted, item):
            kinds[str(kind)][(str(key), bool(took))][str(outcome)] += int(n)
    for (kind, it, *dims, took, outcome), n in delta.outcomes.items():
        values = dict(zip(FILTERS, dims, strict=True))
        other = kind == "obligation" and item is not None and it != item
        if other or any(values[k] != v for k, v in wanted.items()):
            continue
        key = "all" if by is OutcomesBy.course else values[by.value]
        kinds[kind][(key, took)][outcome] += n
    return cards, obligations


def _groups(
    counts: Counts, kinds: tuple[str, ...], by: OutcomesBy, lang: Lang, min_cell: int,
    round_base: int,
) -> tuple[list[OutcomeGroup], int]:  # fmt: skip
    """Shown groups (with at least one card) and the number of hidden cells."""
    suppressed = 0
    out = []
    for (code, took), cells in sorted(counts.items(), key=lambda kv: (kv[0][0], not kv[0][1])):
        if not any(cells.values()):
            continue
        total = protect(sum(cells.values()), min_cell=min_cell, base=round_base)
        shown = {
            k: protect(cells[k], min_cell=min_cell, base=round_base) if cells.get(k) else 0
            for k in kinds
        }
        suppressed += sum(1 for v in shown.values() if v is None) + (total is None)
        shares = {
            k: (round(v / total, 3) if v is not None and total else None) for k, v in shown.items()
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
    return out, suppressed


def outcomes(
    *,
    session: Session,
    policy: Policy,
    by: OutcomesBy,
    lang: Lang,
    min_cell: int,
    round_base: int,
    filters: dict[str, str] | None = None,
    obligation: str | None = None,
) -> Outcomes:
    """Outcomes of ended stays and of their obligations (see cube.py for what counts), split
    by course completion by the deadline; small cells hidden, shown counts rounded. An
    ``obligation`` (a policy id) narrows the obligations to that one."""
    if obligation is not None and obligation not in {ob.id for ob in cube.counted(policy)}:
        raise field_error("obligation", "is not an obligation whose outcomes are counted")
    filters = filters or {}
    card_counts, ob_counts = _counts(session, policy, by, filters, obligation)
    cards, hidden_cards = _groups(card_counts, CARD_OUTCOMES, by, lang, min_cell, round_base)
    obligations, hidden_obs = _groups(
        ob_counts, OBLIGATION_OUTCOMES, by, lang, min_cell, round_base
    )
    return Outcomes(
        by=by, lang=lang, min_cell=min_cell, round_base=round_base, note=NOTE[lang],
        cards=cards, obligations=obligations, suppressed_cells=hidden_cards + hidden_obs,
        as_of=clock.now(), obligation_choices=choices(policy, lang),
        filters=filters | ({"obligation": obligation} if obligation else {}),
    )  # fmt: skip
