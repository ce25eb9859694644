"""GET /api/v1/stats/cards, /stats/cards/monthly and /stats/outcomes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from service.accounts.access import Action
from service.api.deps import Authorize, PolicyDep, QuotasDep, SettingsDep, UnitOfWork
from service.core import clock
from service.core.config import Settings
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

T = TypeVar("T")
_LANG = "Language of the labels: ru (default) or en"
LangQuery = Annotated[Lang, Query(description=_LANG)]


class _CardsQuery(BaseModel):
    """The query of both card counts: grouped by what, over which dates, labelled in which
    language."""

    by: GroupBy
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    lang: Lang = Field(default=Lang.ru, description=_LANG)


CardsQuery = Annotated[_CardsQuery, Query()]


def _checked(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise field_error("to", "is before from")


def _months(from_: date | None, to: date | None) -> tuple[date, date]:
    """The monthly range: the last twelve months when none is given, widened to whole months
    (a month's cell is then the same in every range holding it, so two ranges cannot be
    subtracted to reveal part of a month; see disclosure.py), at most MAX_MONTHS."""
    first, last = default_range(clock.now().astimezone(MOSCOW).date())
    start = from_ or (first if to is None else to.replace(day=1))
    end = to or last
    _checked(start, end)
    start, end = start.replace(day=1), month_end(end)
    if len(month_list(start, end)) > MAX_MONTHS:
        raise field_error("to", f"is more than {MAX_MONTHS} months after from")
    return start, end


async def _answer(uow: UnitOfWork, settings: Settings, count: Callable[..., T], **kwargs: Any) -> T:
    """Run a statistics function in the unit of work with the disclosure settings."""
    return await uow.call(
        count,
        snapshot=True,  # a roll-up and the changes since its watermark, read as of one moment
        min_cell=settings.stats_min_cell,
        round_base=settings.stats_round_base,
        **kwargs,
    )


@router.get("/stats/cards", response_model=CardStats, response_model_by_alias=True)
async def get_card_stats(
    uow: Annotated[UnitOfWork, Authorize(Action.stats_read)],
    settings: SettingsDep,
    query: CardsQuery,
) -> CardStats:
    """Cards registered in a date range by region, citizenship, purpose or occupation, each
    item `{code, label, count}`; cells under ONBOARD_STATS_MIN_CELL (10) are hidden and shown
    counts are rounded to ONBOARD_STATS_ROUND_BASE (5)."""
    _checked(query.from_, query.to)
    return await _answer(
        uow, settings, card_stats, by=query.by, start=query.from_, end=query.to, lang=query.lang
    )


@router.get("/stats/cards/monthly", response_model=MonthlyStats, response_model_by_alias=True)
async def get_monthly_stats(
    uow: Annotated[UnitOfWork, Authorize(Action.stats_read)],
    settings: SettingsDep,
    query: CardsQuery,
    region: Annotated[str | None, Query(max_length=8, description="e.g. RU-SVE")] = None,
    citizenship: Annotated[str | None, Query(max_length=3, description="e.g. UZB")] = None,
    purpose: Annotated[str | None, Query(max_length=16, description="e.g. work")] = None,
    occupation: Annotated[str | None, Query(max_length=120, description="e.g. builder")] = None,
) -> MonthlyStats:
    """Cards issued and entries recorded per calendar month (Moscow time) and group; the last
    twelve months when no range is given; a range is widened to whole months. Optional
    filters (region, citizenship, purpose, occupation) narrow the cards counted. Same
    suppression and rounding as /stats/cards."""
    start, end = _months(query.from_, query.to)
    given = {"region": region, "citizenship": citizenship, "purpose": purpose}
    filters = {k: v for k, v in (given | {"occupation": occupation}).items() if v}
    return await _answer(
        uow,
        settings,
        monthly_stats,
        by=query.by,
        start=start,
        end=end,
        lang=query.lang,
        filters=filters,
    )


@router.get("/stats/outcomes", response_model=Outcomes)
async def get_outcomes(
    uow: Annotated[UnitOfWork, Authorize(Action.stats_read)],
    settings: SettingsDep,
    policy: PolicyDep,
    by: OutcomesBy = OutcomesBy.course,
    lang: LangQuery = Lang.ru,
    region: Annotated[str | None, Query(max_length=8, description="e.g. RU-SVE")] = None,
    citizenship: Annotated[str | None, Query(max_length=3, description="e.g. UZB")] = None,
    occupation: Annotated[str | None, Query(max_length=120, description="e.g. builder")] = None,
    obligation: Annotated[
        str | None, Query(max_length=64, description="e.g. migration-registration")
    ] = None,
) -> Outcomes:
    """For cards whose stay has ended: the share closed by exit on time, overstayed, extended
    and revoked; for checklist obligations due within those stays: met on time, late, missed
    — each split by whether the holder had completed the course by the deadline. The answer's
    `note` says what this observational comparison can and cannot show. Optional filters
    (region, citizenship, occupation) narrow the cards counted, and `obligation` (a policy id,
    listed in `obligation_choices`) the obligations to that one; the same suppression applies."""
    given = {"region": region, "citizenship": citizenship, "occupation": occupation}
    filters = {k: v for k, v in given.items() if v}
    return await _answer(
        uow, settings, outcomes, policy=policy, by=by, lang=lang, filters=filters,
        obligation=obligation,
    )  # fmt: skip


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
    return await _answer(uow, settings, quota_stats, figures=figures, year=chosen, lang=lang)
