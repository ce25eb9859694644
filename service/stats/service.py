"""Counting cards by region, citizenship, purpose or occupation over a date range."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from service.cards.models import Card, Person
from service.core import clock
from service.stats import cube, rollup
from service.stats.disclosure import protect
from service.stats.labels import Lang, label

MOSCOW = ZoneInfo("Europe/Moscow")
MAX_MONTHS = 120


GroupBy = rollup.Dimension


class CountCell(BaseModel):
    key: str
    cards: int


class Item(BaseModel):
    code: str
    label: str
    count: int


class CardStats(BaseModel):
    by: GroupBy
    from_: date | None = PField(serialization_alias="from")
    to: date | None
    lang: Lang
    min_cell: int = PField(description="Cells with fewer cards than this are not shown")
    round_base: int = PField(description="Shown counts are rounded to a multiple of this")
    suppressed_cells: int
    items: list[Item] = PField(description="Shown cells, largest first, with names in `lang`")
    cells: list[CountCell] = PField(description="The same figures as `items` (older shape)")
    as_of: datetime | None = PField(
        default=None, description="Every card registered by this time is counted"
    )


def card_stats(
    *,
    session: Session,
    by: GroupBy,
    start: date | None,
    end: date | None,
    min_cell: int,
    round_base: int = 1,
    lang: Lang = Lang.ru,
) -> CardStats:
    """Cards registered in [start, end] (dates in UTC), grouped; small cells hidden, shown
    counts rounded to ``round_base`` (see disclosure.py).

    The days up to the roll-up's watermark come from ``card_stats_daily``; the cards created
    after it are counted live (see rollup.py). The sum is the same as counting every card."""
    last = end if end is not None and end < date.max else None
    mark, counts = rollup.rolled_up_with_mark(session=session, dimension=by, start=start, end=last)
    for key, n in _live_counts(session, by, mark, start, last).items():
        counts[key] = counts.get(key, 0) + n
    rows = [(k, n) for k, n in counts.items() if n > 0]
    shown = [(k, protect(n, min_cell=min_cell, base=round_base)) for k, n in rows]
    visible = sorted(((k, n) for k, n in shown if n is not None), key=lambda c: (-c[1], c[0]))
    return CardStats(
        by=by, from_=start, to=end, lang=lang, min_cell=min_cell, round_base=round_base,
        suppressed_cells=sum(1 for _, n in shown if n is None),
        items=[Item(code=k, label=label(by, k, lang), count=n) for k, n in visible],
        cells=[CountCell(key=k, cards=n) for k, n in visible],
        as_of=clock.now(),
    )  # fmt: skip


def _live_counts(
    session: Session, by: GroupBy, mark: datetime | None, start: date | None, last: date | None
) -> dict[str, int]:
    """Cards created after the roll-up's watermark within [start, last] (UTC days), counted
    from the card table. A range that ends before the watermark needs no query: asked
    anyway, PostgreSQL cannot see that the two bounds exclude each other, plans for
    thousands of rows and starts parallel workers for none."""
    upper = None if last is None else datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC)
    if mark is not None and upper is not None and upper <= mark:
        return {}
    column = rollup.key_column(by)
    stmt = (
        select(column, func.count())
        .select_from(Card)
        .join(Person, col(Person.id) == col(Card.person_id))
    )
    if mark is not None:
        stmt = stmt.where(col(Card.created_at) > mark)
    if start is not None:
        stmt = stmt.where(col(Card.created_at) >= datetime.combine(start, time(), tzinfo=UTC))
    if upper is not None:  # 9999-12-31 has no next day: no upper bound
        stmt = stmt.where(col(Card.created_at) < upper)
    return {str(key): int(n) for key, n in session.exec(stmt.group_by(column)).all()}


# ---------------------------------------------------------------------------- monthly


class MonthCell(BaseModel):
    month: str = PField(description="YYYY-MM, calendar month in Moscow time")
    issued: int | None = PField(description="Cards issued; null when suppressed")
    arrivals: int | None = PField(description="Entries recorded; null when suppressed")


class MonthlyGroup(BaseModel):
    code: str
    label: str
    months: list[MonthCell]


class MonthlyStats(BaseModel):
    by: GroupBy
    from_: date = PField(serialization_alias="from")
    to: date
    lang: Lang
    timezone: str = "Europe/Moscow"
    min_cell: int
    round_base: int
    filters: dict[str, str] = PField(description="Only cards with these values were counted")
    months: list[str]
    suppressed_cells: int
    groups: list[MonthlyGroup] = PField(
        description="Groups with at least one shown cell, largest (shown) total first"
    )
    as_of: datetime


def month_list(start: date, end: date) -> list[str]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_end(day: date) -> date:
    if day.month == 12:
        return day.replace(day=31)
    return date(day.year, day.month + 1, 1) - timedelta(days=1)


def default_range(today: date) -> tuple[date, date]:
    """The last twelve calendar months, this one included."""
    y, m = today.year, today.month - 11
    if m < 1:
        y, m = y - 1, m + 12
    return date(y, m, 1), today


def _monthly_counts(
    session: Session, by: GroupBy, start: date, end: date, filters: dict[str, str]
) -> dict[str, dict[str, list[int]]]:
    """True counts per group, month and measure (issued, arrivals) in whole months, from the
    ``stats_monthly`` roll-up plus the changes since its last fold (cube.py)."""
    m0, m1 = f"{start.year:04d}-{start.month:02d}", f"{end.year:04d}-{end.month:02d}"
    wanted = {d: v.lower() if d == "occupation" else v for d, v in filters.items()}
    if not set(wanted) <= set(rollup.DIMENSIONS):  # they become column names below
        raise ValueError(f"unknown filters: {sorted(set(wanted) - set(rollup.DIMENSIONS))}")
    true: dict[str, dict[str, list[int]]] = {}

    def add(code: str, month: str, measure: str, n: int) -> None:
        cell = true.setdefault(code, {}).setdefault(month, [0, 0])
        cell[0 if measure == "issued" else 1] += n

    delta = cube.pending(session, None, clock.today())
    if delta is None:
        delta = cube.from_scratch(session, None, clock.today())
    else:
        sql = f"SELECT {by}, month, measure, SUM(cards) FROM stats_monthly"  # noqa: S608
        sql += " WHERE month >= :m0 AND month <= :m1"
        sql += "".join(f" AND {d} = :{d}" for d in wanted)  # names from DIMENSIONS only
        rows = session.execute(text(sql + " GROUP BY 1, 2, 3"), {"m0": m0, "m1": m1} | wanted)
        for code, month, measure, n in rows.all():
            add(str(code), str(month), str(measure), int(n))
    index: dict[str, int] = {d: i for i, d in enumerate(rollup.DIMENSIONS, 2)}
    for key, n in delta.months.items():
        if n and m0 <= key[1] <= m1 and all(key[index[d]] == v for d, v in wanted.items()):
            add(key[index[by]], key[1], key[0], n)
    return true


def _monthly_groups(
    true: dict[str, dict[str, list[int]]], months: list[str], by: GroupBy, lang: Lang,
    min_cell: int, round_base: int,
) -> tuple[list[MonthlyGroup], int]:  # fmt: skip
    """Each (group, month, measure) cell protected on its own; groups with a shown cell,
    largest shown total first; and the number of hidden cells."""
    suppressed = 0
    groups: list[tuple[int, MonthlyGroup]] = []
    for code, per_month in true.items():
        cells = []
        total = 0
        for month in months:
            shown = [
                protect(n, min_cell=min_cell, base=round_base) if n else 0
                for n in per_month.get(month, [0, 0])
            ]
            suppressed += sum(1 for s in shown if s is None)
            total += sum(s for s in shown if s)
            cells.append(MonthCell(month=month, issued=shown[0], arrivals=shown[1]))
        if total:
            groups.append(
                (total, MonthlyGroup(code=code, label=label(by, code, lang), months=cells))
            )
    groups.sort(key=lambda g: (-g[0], g[1].code))
    return [g for _, g in groups], suppressed


def monthly_stats(
    *,
    session: Session,
    by: GroupBy,
    start: date,
    end: date,
    min_cell: int,
    round_base: int,
    lang: Lang,
    filters: dict[str, str] | None = None,
) -> MonthlyStats:
    """Cards issued (by creation time in Moscow) and entries recorded (by the entry date on
    the card) per calendar month in [start, end] (widened to whole months), per group. Each
    (group, month, measure) cell is protected on its own (disclosure.py); no group total is
    published, so no hidden month can be recovered from a total."""
    start, end = start.replace(day=1), month_end(end)
    filters = filters or {}
    months = month_list(start, end)
    true = _monthly_counts(session, by, start, end, filters)
    groups, suppressed = _monthly_groups(true, months, by, lang, min_cell, round_base)
    return MonthlyStats(
        by=by, from_=start, to=end, lang=lang, min_cell=min_cell, round_base=round_base,
        filters=filters, months=months, suppressed_cells=suppressed, groups=groups,
        as_of=clock.now(),
    )  # fmt: skip
