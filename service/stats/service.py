"""Counting cards by region, citizenship, purpose or occupation over a date range."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import func
from sqlmodel import Session, col, select

from service.cards.models import Card, Person


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


def card_stats(
    *, session: Session, by: GroupBy, start: date | None, end: date | None, min_cell: int
) -> CardStats:
    """Cards registered in [start, end] (dates in UTC), grouped; small cells hidden."""
    column = {
        GroupBy.region: col(Card.region),
        GroupBy.citizenship: col(Person.citizenship),
        GroupBy.purpose: col(Card.purpose),
        GroupBy.occupation: func.lower(func.coalesce(col(Card.occupation), "(not given)")),
    }[by]
    stmt = (
        select(column, func.count())
        .select_from(Card)
        .join(Person, col(Person.id) == col(Card.person_id))
    )
    if start is not None:
        stmt = stmt.where(col(Card.created_at) >= datetime.combine(start, time(), tzinfo=UTC))
    if end is not None and end < date.max:  # 9999-12-31 has no next day: no upper bound
        stmt = stmt.where(
            col(Card.created_at) < datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
        )
    rows = session.exec(stmt.group_by(column)).all()
    shown = sorted(
        ((str(k), int(n)) for k, n in rows if n >= min_cell), key=lambda c: (-c[1], c[0])
    )
    return CardStats(
        by=by, from_=start, to=end, min_cell=min_cell,
        suppressed_cells=sum(1 for _, n in rows if n < min_cell),
        cells=[CountCell(key=k, cards=n) for k, n in shown],
    )  # fmt: skip
