"""Daily roll-ups behind /stats/cards, so a query never counts a million cards.

``card_stats_daily`` holds, per grouping (region, citizenship, purpose, occupation), UTC day
and key, the number of cards created that day, for every card created at or before the
watermark ``card_stats_state.folded_through``. A query adds the roll-up's days in its range
to a live count of the cards created after the watermark (an index range on
``card.created_at``), so answers are exact and current, not as of the last refresh.

``fold`` moves the watermark to ten seconds ago: the API's background task does it every few
minutes (``ONBOARD_STATS_FOLD_SECONDS``), and ``onboard stats fold`` at once (after a large
import, say). The ten seconds are a margin for transactions still open: a card is stamped
with its creation time before its transaction commits, and one committing more than ten
seconds after that (no request or import batch runs so long) would be left out. Folds take
the state row's lock, so workers never fold the same cards twice. Erasure redacts a card's
occupation; ``forget_occupation`` moves an already-folded card to "(not given)" in the same
transaction, as a live count would.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, get_args

from sqlalchemy import Select, func, literal_column, text, update
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.elements import SQLColumnExpression
from sqlmodel import Session, col, select

from service.cards.models import Card, Person
from service.checklist import policy as checklist_policy
from service.checklist.policy import Policy
from service.core import clock
from service.stats.models import CardStatsState

MARGIN = timedelta(seconds=10)
NOT_GIVEN = "(not given)"
# What cards are counted by: the answers' `by=` and the roll-ups' key columns.
Dimension = Literal["region", "citizenship", "purpose", "occupation"]
DIMENSIONS: tuple[Dimension, ...] = get_args(Dimension)


def key_column(dimension: str) -> SQLColumnExpression[Any]:
    return {
        "region": col(Card.region),
        "citizenship": col(Person.citizenship),
        "purpose": col(Card.purpose),
        "occupation": func.lower(func.coalesce(col(Card.occupation), NOT_GIVEN)),
    }[dimension]


def watermark(session: Session, *, for_update: bool = False) -> datetime | None:
    stmt = select(CardStatsState.folded_through).where(CardStatsState.id == 1)
    if for_update:
        stmt = stmt.with_for_update()  # PostgreSQL; SQLite writers are serialised anyway
    return session.exec(stmt).first()


def _day(session: Session) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return literal_column("(card.created_at AT TIME ZONE 'UTC')::date")
    return func.date(col(Card.created_at))


def fold(*, session: Session, policy: Policy | None = None) -> int:
    """Add the cards created since the watermark (up to ten seconds ago) to the roll-up, and
    the changes since the last fold to the monthly and outcome roll-ups (cube.py, with
    ``policy``, by default the shipped one); returns how many cards were folded."""
    low = watermark(session, for_update=True)
    high = clock.now() - MARGIN
    from service.stats import cube  # cube imports this module

    cube.fold(session=session, policy=policy or checklist_policy.load())
    if low is not None and high <= low:
        return 0
    day = _day(session)
    window = [col(Card.created_at) <= high]
    if low is not None:
        window.append(col(Card.created_at) > low)
    folded = 0
    for dimension in DIMENSIONS:
        cards = _add_cards(session, day, dimension, *window)
        if dimension == "region":
            folded = cards
    session.execute(
        update(CardStatsState)
        .where(col(CardStatsState.id) == 1)
        .values(folded_through=high, folded_at=clock.now())
    )
    return folded


def _add_cards(session: Session, day: Any, dimension: str, *where: ColumnElement[bool]) -> int:
    """Add the cards matching ``where`` to the roll-up of ``dimension``, per creation ``day``
    and key; returns how many cards were added."""
    key = key_column(dimension)
    stmt = (
        select(day, key, func.count())
        .select_from(Card)
        .join(Person, col(Person.id) == col(Card.person_id))
        .where(*where)
        .group_by(day, key)
    )
    rows = session.exec(stmt).all()
    _add(session, dimension, ((_as_date(d), str(k), int(n)) for d, k, n in rows))
    return sum(int(n) for _, _, n in rows)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


_UPSERT = text(
    "INSERT INTO card_stats_daily (dimension, day, key, cards) VALUES (:dim, :day, :key, :n) "
    "ON CONFLICT (dimension, day, key) DO UPDATE SET cards = card_stats_daily.cards + :n"
)


def _add(session: Session, dimension: str, cells: Iterable[tuple[date, str, int]]) -> None:
    params = [{"dim": dimension, "day": d, "key": k, "n": n} for d, k, n in cells]
    if params:
        session.execute(_UPSERT, params)


def rolled_up_with_mark(
    *, session: Session, dimension: str, start: date | None, end: date | None
) -> tuple[datetime | None, dict[str, int]]:
    """The watermark, and the cards per key in the roll-up's days within [start, end], read
    in one statement, so in one snapshot: read apart, on PostgreSQL, a fold committing in
    between puts its cards in the roll-up read while the live count still starts at the
    older watermark (counted twice)."""
    on = "d.dimension = :dim"
    params: dict[str, Any] = {"dim": dimension}
    if start is not None:
        on += " AND d.day >= :start"
        params["start"] = start
    if end is not None:
        on += " AND d.day <= :end"
        params["end"] = end
    sql = (
        "SELECT s.folded_through, d.key, SUM(d.cards) FROM card_stats_state s "  # noqa: S608
        f"LEFT JOIN card_stats_daily d ON {on} WHERE s.id = 1 GROUP BY s.folded_through, d.key"
    )
    stmt = text(sql).columns(
        CardStatsState.__table__.c.folded_through,  # type: ignore[attr-defined]
        literal_column("key"),
        literal_column("cards"),
    )
    rows = session.execute(stmt, params).all()
    mark = rows[0][0] if rows else None
    return mark, {str(k): int(n) for _, k, n in rows if k is not None}


def add_backdated(*, session: Session, card_ids: list[Any] | Select[Any]) -> None:
    """Cards just written with a creation time in the past (the archive import dates a paper
    card by its own date): a fold only reads cards after the watermark, so those at or before
    it go into the roll-up here, in the same transaction; later ones are counted live.
    ``card_ids``: the ids, or a query that selects them."""
    if isinstance(card_ids, list) and not card_ids:
        return
    mark = watermark(session, for_update=True)
    if mark is None:
        return
    day = _day(session)
    for dimension in DIMENSIONS:
        _add_cards(
            session, day, dimension, col(Card.id).in_(card_ids), col(Card.created_at) <= mark
        )


def forget_occupation(
    *,
    session: Session,
    cards: list[tuple[datetime, str | None]],
    card_ids: list[Any] | None = None,
) -> None:
    """Erasure: cards (created_at, occupation) already folded move to "(not given)", here
    and (``card_ids``) in the monthly roll-up."""
    if card_ids:
        from service.stats import cube

        cube.forget(session=session, card_ids=card_ids)
    mark = watermark(session, for_update=True)
    if mark is None:
        return
    moves: dict[tuple[date, str], int] = {}
    for created_at, occupation in cards:
        if occupation is None or created_at > mark:
            continue
        day = created_at.astimezone(UTC).date()
        moves[(day, occupation.lower())] = moves.get((day, occupation.lower()), 0) + 1
    for (day, key), n in moves.items():
        _add(session, "occupation", [(day, key, -n), (day, NOT_GIVEN, n)])
