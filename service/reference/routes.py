"""HTTP routes for reference data that clients show before they send a card."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel
from pydantic import Field as PField

from service.accounts.access import Action
from service.api.deps import Authorize, UnitOfWork
from service.core.bodies import Input
from service.core.problems import PROBLEM_RESPONSES
from service.reference import translit

router = APIRouter(prefix="/api/v1", tags=["reference"], responses=PROBLEM_RESPONSES)


class LatinIn(Input):
    name: Annotated[str, PField(min_length=1, max_length=100)]


class LatinOut(BaseModel):
    # null: the name has no complete Latin form here; a card then needs it given.
    name_latin: str | None


@router.post("/reference/latin", response_model=LatinOut)
async def latin_form(
    body: LatinIn, uow: Annotated[UnitOfWork, Authorize(Action.cards_create)]
) -> LatinOut:
    """The Latin form (ICAO 9303) a card prints for a name given without one, so that the
    holder can check it before confirming the card. Writes and keeps nothing."""
    await uow.principal()
    return LatinOut(name_latin=translit.printed_latin(body.name))
