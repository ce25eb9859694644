"""Middlewares: per-user throttling, and a translated answer when the service fails."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from aiogram.utils.i18n import I18n

from bot import texts
from bot.api import ServiceClient, ServiceUnavailable
from bot.i18n import pick

log = logging.getLogger("onboard.bot")
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class Throttling(BaseMiddleware):
    """A token bucket per user: bursts pass, floods are dropped (told once per burst).

    Runs on updates, before the language is looked up: a flood costs no request to the
    service. The warning is in the phone's language for that reason.
    """

    def __init__(
        self, *, burst: int, rate: float, i18n: I18n | None = None, max_users: int = 100_000
    ) -> None:
        self.burst = float(burst)
        self.rate = rate
        self.i18n = i18n
        self.max_users = max_users
        self._buckets: dict[int, tuple[float, float, bool]] = {}  # tokens, last time, warned

    def allow(self, user_id: int, now: float | None = None) -> tuple[bool, bool]:
        """(allowed, warn): ``warn`` is true for the first update dropped in a burst."""
        now = time.monotonic() if now is None else now
        tokens, last, warned = self._buckets.get(user_id, (self.burst, now, False))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._store(user_id, (tokens - 1, now, False))
            return True, False
        self._store(user_id, (tokens, now, True))
        return False, not warned

    def _store(self, user_id: int, value: tuple[float, float, bool]) -> None:
        if len(self._buckets) >= self.max_users and user_id not in self._buckets:
            self._buckets.clear()  # bounded memory; forgetting a bucket only forgives a user
        self._buckets[user_id] = value

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        allowed, warn = self.allow(user.id)
        if allowed:
            return await handler(event, data)
        log.info("throttled an update")
        if isinstance(event, Update):
            await self._tell(event, user, warn)
        return None

    async def _tell(self, update: Update, user: User, warn: bool) -> None:
        text = self._text(user)
        with suppress(TelegramAPIError):
            if update.callback_query is not None:
                await update.callback_query.answer(text)  # stops the button's spinner
            elif update.message is not None and warn:
                await update.message.answer(text)

    def _text(self, user: User) -> str:
        if self.i18n is None:
            return texts.too_fast()
        with (
            self.i18n.context(),
            self.i18n.use_locale(pick(user.language_code, self.i18n.default_locale)),
        ):
            return texts.too_fast()


class ServiceErrors(BaseMiddleware):
    """The service being down or slow is an answer ("try again later"), never a crash.

    Registered inside the i18n middleware so the answer is in the user's language. Nothing
    is cleared: FSM data (a registration in progress) stays for the retry.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except ServiceUnavailable as exc:
            log.warning("service unavailable while handling an update: %s", exc)
            text = texts.try_later()
            state: FSMContext | None = data.get("state")
            if state is not None and (await state.get_state() or "").startswith("Registration:"):
                text += " " + texts.answers_kept()
            if isinstance(event, CallbackQuery):
                with suppress(TelegramAPIError):  # the handler may have answered it already
                    await event.answer()
                message = event.message if isinstance(event.message, Message) else None
            else:
                message = event if isinstance(event, Message) else None
            if message is not None:
                with suppress(TelegramAPIError):
                    await message.answer(text)
            return None


class ActingUser(BaseMiddleware):
    """Gives the handlers a service client that speaks for the update's sender only (the
    ``from_user`` Telegram gives, never anything from callback data): the service then
    serves that person's cards and nobody else's."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        api = data.get("api")
        if isinstance(user, User) and isinstance(api, ServiceClient):
            data["api"] = api.acting_for(user.id)
        return await handler(event, data)
