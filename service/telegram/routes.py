"""HTTP routes for Telegram profiles (the bot's scope)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from service.accounts.access import Action, Owner
from service.api.deps import Authorize, UnitOfWork
from service.core.problems import PROBLEM_RESPONSES
from service.telegram import service as profiles
from service.telegram.models import ConsentIn, ProfilePublic, ProfileUpdate, TelegramProfile

router = APIRouter(prefix="/api/v1", tags=["telegram"], responses=PROBLEM_RESPONSES)
TelegramId = Annotated[int, Path(gt=0, lt=2**53)]
ProfileWork = Annotated[UnitOfWork, Authorize(Action.telegram_profiles, Owner.telegram_user)]


@dataclass(frozen=True)
class _Profile:
    """The profile of the path's Telegram user, under the routes' one rule."""

    uow: UnitOfWork
    telegram_user_id: int

    async def call(self, service: Callable[..., TelegramProfile], **kw: Any) -> ProfilePublic:
        """``service`` on this profile, answered as the public profile."""
        return await self.uow.call(
            service, shape=_public, telegram_user_id=self.telegram_user_id, **kw
        )


async def _profile(telegram_user_id: TelegramId, uow: ProfileWork) -> _Profile:
    return _Profile(uow=uow, telegram_user_id=telegram_user_id)


ProfileDep = Annotated[_Profile, Depends(_profile)]


def _public(profile: TelegramProfile) -> ProfilePublic:
    return ProfilePublic.model_validate(profile, from_attributes=True)


@router.get("/telegram-users/{telegram_user_id}", response_model=ProfilePublic)
async def get_profile(profile: ProfileDep) -> ProfilePublic:
    """The account's language, consent and reminder settings."""
    return await profile.call(profiles.get_profile)


@router.put("/telegram-users/{telegram_user_id}", response_model=ProfilePublic)
async def update_profile(body: ProfileUpdate, profile: ProfileDep) -> ProfilePublic:
    """Create or change the profile (language also updates the account's persons)."""
    return await profile.call(profiles.update_profile, data=body)


@router.post("/telegram-users/{telegram_user_id}/consent", response_model=ProfilePublic)
async def record_consent(body: ConsentIn, profile: ProfileDep) -> ProfilePublic:
    """Record consent to the processing notice (its version and the time)."""
    return await profile.call(profiles.record_consent, data=body)
