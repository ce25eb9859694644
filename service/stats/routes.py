"""GET /api/v1/stats/cards, /stats/cards/monthly and /stats/outcomes."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from service.accounts.access import Action, Principal
from service.api.deps import Authorize, PolicyDep, QuotasDep, SettingsDep, UnitOfWork
from service.core import clock
from service.core.errors import field_error
from service.core.problems import PROBLEM_RESPONSES
from service.stats.labels import Lang
from service.stats.outcomes import Outcomes, OutcomesBy, outcomes
from service.stats.quotas import QuotaStats, quota_stats
from service.stats.service import (
    MAX_MONTHS,
    MOSCOW,
    CardStats,
    GroupBy,
    MonthlyStats,
    card_stats,
    default_range,
    month_end,
    month_list,
    monthly_stats,
)

router = APIRouter(prefix="/api/v1", tags=["statistics"], responses=PROBLEM_RESPONSES)

LangQuery = Annotated[Lang, Query(description="Language of the labels: ru (default) or en")]


@router.get("/stats/cards", response_model=CardStats, response_model_by_alias=True)
async def get_card_stats(
    uow: Annotated[UnitOfWork, Authorize(Action.stats_read)],
    settings: SettingsDep,
    by: GroupBy,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
    lang: LangQuery = Lang.ru,
) -> CardStats:
    """Cards registered in a date range by region, citizenship, purpose or occupation, each
    item `{code, label, count}`; cells under ONBOARD_STATS_MIN_CELL (10) are hidden and shown
    counts are rounded to ONBOARD_STATS_ROUND_BASE (5)."""
    if from_ is not None and to is not None and to < from_:
        raise field_error("to", "is before from")

    def work(session: Session, principal: Principal) -> CardStats:
        return card_stats(
            session=session, by=by, start=from_, end=to, lang=lang,
            min_cell=settings.stats_min_cell, round_base=settings.stats_round_base,
        )  # fmt: skip

    return await uow.run(work)


@router.get("/stats/cards/monthly", response_model=MonthlyStats, response_model_by_alias=True)
async def get_monthly_stats(
    uow: Annotated[UnitOfWork, Authorize(Action.stats_read)],
    settings: SettingsDep,
    by: GroupBy,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
    lang: LangQuery = Lang.ru,
    region: Annotated[str | None, Query(max_length=8, description="e.g. RU-SVE")] = None,
    citizenship: Annotated[str | None, Query(max_length=3, description="e.g. UZB")] = None,
    purpose: Annotated[str | None, Query(max_length=16, description="e.g. work")] = None,
    occupation: Annotated[str | None, Query(max_length=120, description="e.g. builder")] = None,
) -> MonthlyStats:
    """Cards issued and entries recorded per calendar month (Moscow time) and group; the last
    twelve months when no range is given; a range is widened to whole months. Optional
    filters (region, citizenship, purpose, occupation) narrow the cards counted. Same
    suppression and rounding as /stats/cards."""
    first, last = default_range(clock.now().astimezone(MOSCOW).date())
    start = from_ or (first if to is None else to.replace(day=1))
    end = to or last
    if end < start:
        raise field_error("to", "is before from")
    # Whole months only: a month's cell is then the same in every range holding it, so two
    # ranges cannot be subtracted to reveal part of a month (see disclosure.py).
    start, end = start.replace(day=1), month_end(end)
    if len(month_list(start, end)) > MAX_MONTHS:
        raise field_error("to", f"is more than {MAX_MONTHS} months after from")
    given = {"region": region, "citizenship": citizenship, "purpose": purpose}
    filters = {k: v for k, v in (given | {"occupation": occupation}).items() if v}

    def work(session: Session, principal: Principal) -> MonthlyStats:
        return monthly_stats(
            session=session, by=by, start=start, end=end, lang=lang, filters=filters,
            min_cell=settings.stats_min_cell, round_base=settings.stats_round_base,
        )  # fmt: skip

    return await uow.run(work)


@router.get("/stats/outcomes", response_model=Outcomes)
async def get_outcomes(
    uow: Annotated[UnitOfWork, Authorize(Action.stats_read)],
    settings: SettingsDep,
    policy: PolicyDep,
    by: OutcomesBy = OutcomesBy.course,
    lang: LangQuery = Lang.ru,
) -> Outcomes:
    """For cards whose stay has ended: the share closed by exit on time, overstayed, extended
    and revoked; for checklist obligations due within those stays: met on time, late, missed
    — each split by whether the holder had completed the course by the deadline. The answer's
    `note` says what this observational comparison can and cannot show."""

    def work(session: Session, principal: Principal) -> Outcomes:
        return outcomes(
            session=session, policy=policy, by=by, lang=lang,
            min_cell=settings.stats_min_cell, round_base=settings.stats_round_base,
        )  # fmt: skip

    return await uow.run(work)


@router.get("/stats/quotas", response_model=QuotaStats)
async def get_quotas(
    uow: Annotated[UnitOfWork, Authorize(Action.stats_read)],
    settings: SettingsDep,
    quotas: QuotasDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    lang: LangQuery = Lang.ru,
) -> QuotaStats:
    """Official regional quota and patent figures entered in content/policy/quotas/<year>.yaml
    (each with its source), beside the work cards registered in that year (Moscow time). Only
    regions with a figure are listed; none until a figure is entered."""
    chosen = year or clock.now().astimezone(MOSCOW).year
    figures = quotas.get(chosen, {})

    def work(session: Session, principal: Principal) -> QuotaStats:
        return quota_stats(
            session=session, figures=figures, year=chosen, lang=lang,
            min_cell=settings.stats_min_cell, round_base=settings.stats_round_base,
        )  # fmt: skip

    return await uow.run(work)
