"""HTTP routes for Telegram profiles (the bot's scope)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlmodel import Session

from service.accounts.access import Action, Owner, Principal
from service.api.deps import Authorize, UnitOfWork
from service.core.problems import PROBLEM_RESPONSES
from service.telegram import service as profiles
from service.telegram.models import ConsentIn, ProfilePublic, ProfileUpdate

router = APIRouter(prefix="/api/v1", tags=["telegram"], responses=PROBLEM_RESPONSES)
TelegramId = Annotated[int, Path(gt=0, lt=2**53)]


def _public(profile) -> ProfilePublic:  # type: ignore[no-untyped-def]
    return ProfilePublic.model_validate(profile, from_attributes=True)


@router.get("/telegram-users/{telegram_user_id}", response_model=ProfilePublic)
async def get_profile(
    telegram_user_id: TelegramId,
    uow: Annotated[UnitOfWork, Authorize(Action.telegram_profiles, Owner.telegram_user)],
) -> ProfilePublic:
    """The account's language, consent and reminder settings."""

    def work(session: Session, principal: Principal) -> ProfilePublic:
        return _public(profiles.get_profile(session=session, telegram_user_id=telegram_user_id))

    return await uow.run(work)


@router.put("/telegram-users/{telegram_user_id}", response_model=ProfilePublic)
async def update_profile(
    telegram_user_id: TelegramId,
    body: ProfileUpdate,
    uow: Annotated[UnitOfWork, Authorize(Action.telegram_profiles, Owner.telegram_user)],
) -> ProfilePublic:
    """Create or change the profile (language also updates the account's persons)."""

    def work(session: Session, principal: Principal) -> ProfilePublic:
        return _public(
            profiles.update_profile(session=session, telegram_user_id=telegram_user_id, data=body)
        )

    return await uow.run(work)


@router.post("/telegram-users/{telegram_user_id}/consent", response_model=ProfilePublic)
async def record_consent(
    telegram_user_id: TelegramId,
    body: ConsentIn,
    uow: Annotated[UnitOfWork, Authorize(Action.telegram_profiles, Owner.telegram_user)],
) -> ProfilePublic:
    """Record consent to the processing notice (its version and the time)."""

    def work(session: Session, principal: Principal) -> ProfilePublic:
        return _public(
            profiles.record_consent(session=session, telegram_user_id=telegram_user_id, data=body)
        )

    return await uow.run(work)
