"""The Telegram profile (language, consent) from the service, cached briefly per process."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from bot.api import Profile, ServiceClient

# The processing notice the bot shows. Raise the version whenever the notice's text changes
# in substance: everyone is then asked again before their next registration.
CONSENT_NOTICE_VERSION = "2026-11"


def has_consent(profile: Profile | None) -> bool:
    return (
        profile is not None
        and profile.consent_given_at is not None
        and profile.consent_version == CONSENT_NOTICE_VERSION
    )


@dataclass
class _Entry:
    profile: Profile | None
    at: float


class ProfileStore:
    """Profiles by Telegram user id. Reads are cached for ``ttl`` seconds (absent ones too);
    writes go to the service and replace the cached value."""

    def __init__(self, api: ServiceClient, *, ttl: float = 60.0, max_entries: int = 50_000):
        self._api = api
        self._ttl = ttl
        self._max = max_entries
        self._cache: dict[int, _Entry] = {}

    async def get(self, user_id: int, *, fresh: bool = False) -> Profile | None:
        entry = self._cache.get(user_id)
        if not fresh and entry is not None and time.monotonic() - entry.at < self._ttl:
            return entry.profile
        profile = await self._api.get_profile(user_id)
        self._remember(user_id, profile)
        return profile

    async def set_language(self, user_id: int, language: str) -> Profile:
        profile = await self._api.set_language(user_id, language)
        self._remember(user_id, profile)
        return profile

    async def set_self_person(self, user_id: int, person_id: uuid.UUID) -> Profile:
        profile = await self._api.set_self_person(user_id, person_id)
        self._remember(user_id, profile)
        return profile

    async def record_consent(self, user_id: int, language: str) -> Profile:
        profile = await self._api.record_consent(user_id, CONSENT_NOTICE_VERSION, language)
        self._remember(user_id, profile)
        return profile

    def _remember(self, user_id: int, profile: Profile | None) -> None:
        if len(self._cache) >= self._max:
            self._cache.clear()  # crude, but bounded; a miss only costs one request
        self._cache[user_id] = _Entry(profile, time.monotonic())
