"""GET /api/v1/stats/cards."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from service.accounts.access import Action, Principal
from service.api.deps import Authorize, UnitOfWork
from service.core.errors import field_error
from service.core.problems import PROBLEM_RESPONSES
from service.stats.service import CardStats, GroupBy, card_stats

router = APIRouter(prefix="/api/v1", tags=["statistics"], responses=PROBLEM_RESPONSES)


@router.get("/stats/cards", response_model=CardStats, response_model_by_alias=True)
async def get_card_stats(
    uow: Annotated[UnitOfWork, Authorize(Action.stats_read)],
    by: GroupBy,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
) -> CardStats:
    """Cards registered in a date range by region, citizenship, purpose or occupation; cells
    under the suppression threshold (ONBOARD_STATS_MIN_CELL, default 10) are hidden."""
    if from_ is not None and to is not None and to < from_:
        raise field_error("to", "is before from")
    min_cell = uow.request.app.state.settings.stats_min_cell

    def work(session: Session, principal: Principal) -> CardStats:
        return card_stats(session=session, by=by, start=from_, end=to, min_cell=min_cell)

    return await uow.run(work)
