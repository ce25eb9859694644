"""Counting cards by region, citizenship, purpose or occupation over a date range."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import func
from sqlmodel import Session, col, select

from service.cards.models import Card, Person
from service.core import clock
from service.stats import rollup


class GroupBy(StrEnum):
    region = "region"
    citizenship = "citizenship"
    purpose = "purpose"
    occupation = "occupation"


class CountCell(BaseModel):
    key: str
    cards: int


class CardStats(BaseModel):
    by: GroupBy
    from_: date | None = PField(serialization_alias="from")
    to: date | None
    min_cell: int = PField(description="Cells with fewer cards than this are not shown")
    suppressed_cells: int
    cells: list[CountCell]
    as_of: datetime | None = PField(
        default=None, description="Every card registered by this time is counted"
    )


def card_stats(
    *, session: Session, by: GroupBy, start: date | None, end: date | None, min_cell: int
) -> CardStats:
    """Cards registered in [start, end] (dates in UTC), grouped; small cells hidden.

    The days up to the roll-up's watermark come from ``card_stats_daily``; the cards created
    after it are counted live (see rollup.py). The sum is the same as counting every card."""
    mark = rollup.watermark(session)
    last = end if end is not None and end < date.max else None
    counts: dict[str, int] = {}
    if mark is not None:
        counts = rollup.rolled_up(session=session, dimension=by.value, start=start, end=last)
    column = rollup.key_column(by.value)
    stmt = (
        select(column, func.count())
        .select_from(Card)
        .join(Person, col(Person.id) == col(Card.person_id))
    )
    if mark is not None:
        stmt = stmt.where(col(Card.created_at) > mark)
    if start is not None:
        stmt = stmt.where(col(Card.created_at) >= datetime.combine(start, time(), tzinfo=UTC))
    if last is not None:  # 9999-12-31 has no next day: no upper bound
        stmt = stmt.where(
            col(Card.created_at) < datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC)
        )
    for key, n in session.exec(stmt.group_by(column)).all():
        counts[str(key)] = counts.get(str(key), 0) + int(n)
    rows = [(k, n) for k, n in counts.items() if n > 0]
    shown = sorted(((k, n) for k, n in rows if n >= min_cell), key=lambda c: (-c[1], c[0]))
    return CardStats(
        by=by, from_=start, to=end, min_cell=min_cell,
        suppressed_cells=sum(1 for _, n in rows if n < min_cell),
        cells=[CountCell(key=k, cards=n) for k, n in shown],
        as_of=clock.now(),
    )  # fmt: skip
