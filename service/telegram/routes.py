"""HTTP routes for Telegram profiles (the bot's scope)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from service.accounts.access import Action, Owner
from service.api.deps import Authorize, UnitOfWork
from service.core.problems import PROBLEM_RESPONSES
from service.telegram import service as profiles
from service.telegram.models import ConsentIn, ProfilePublic, ProfileUpdate, TelegramProfile

router = APIRouter(prefix="/api/v1", tags=["telegram"], responses=PROBLEM_RESPONSES)
TelegramId = Annotated[int, Path(gt=0, lt=2**53)]
ProfileWork = Annotated[UnitOfWork, Authorize(Action.telegram_profiles, Owner.telegram_user)]


def _public(profile: TelegramProfile) -> ProfilePublic:
    return ProfilePublic.model_validate(profile, from_attributes=True)


@router.get("/telegram-users/{telegram_user_id}", response_model=ProfilePublic)
async def get_profile(telegram_user_id: TelegramId, uow: ProfileWork) -> ProfilePublic:
    """The account's language, consent and reminder settings."""
    return await uow.call(profiles.get_profile, shape=_public, telegram_user_id=telegram_user_id)


@router.put("/telegram-users/{telegram_user_id}", response_model=ProfilePublic)
async def update_profile(
    telegram_user_id: TelegramId, body: ProfileUpdate, uow: ProfileWork
) -> ProfilePublic:
    """Create or change the profile (language also updates the account's persons)."""
    return await uow.call(
        profiles.update_profile, shape=_public, telegram_user_id=telegram_user_id, data=body
    )


@router.post("/telegram-users/{telegram_user_id}/consent", response_model=ProfilePublic)
async def record_consent(
    telegram_user_id: TelegramId, body: ConsentIn, uow: ProfileWork
) -> ProfilePublic:
    """Record consent to the processing notice (its version and the time)."""
    return await uow.call(
        profiles.record_consent, shape=_public, telegram_user_id=telegram_user_id, data=body
    )
