"""HTTP routes for personal-data requests (admin)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel

from service.accounts.access import Action, Owner
from service.api.deps import Authorize, UnitOfWork
from service.cards.models import Person
from service.core.problems import PROBLEM_RESPONSES
from service.privacy import service as privacy

router = APIRouter(prefix="/api/v1", tags=["personal data"], responses=PROBLEM_RESPONSES)


class Erased(BaseModel):
    person_id: uuid.UUID
    erased_at: datetime


PersonalData = Annotated[UnitOfWork, Authorize(Action.personal_data, Owner.person)]


def _erased(person: Person) -> Erased:
    assert person.erased_at is not None
    return Erased(person_id=person.id, erased_at=person.erased_at)


@router.get("/persons/{person_id}/export")
async def export_person(person_id: uuid.UUID, uow: PersonalData) -> dict[str, Any]:
    """Everything held about a person, as JSON (a subject-access request; admin)."""
    return await uow.call(privacy.export, person_id=person_id)


@router.post("/persons/{person_id}/erase", response_model=Erased)
async def erase_person(person_id: uuid.UUID, uow: PersonalData) -> Erased:
    """Remove a person's personal data; card events and scan records stay, anonymous."""
    return await uow.call(privacy.erase, shape=_erased, person_id=person_id)
