"""Last in line: a hint for anything not understood, a polite answer to stale buttons, and
an apology (instead of silence) when a handler fails unexpectedly."""

from __future__ import annotations

import logging
import traceback
from contextlib import suppress

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message, User
from aiogram.utils.i18n import I18n

from bot import forms, keyboards, texts
from bot.api import Profile, ServiceClient
from bot.handlers import card, menu, registration
from bot.handlers.common import Today, stale

log = logging.getLogger("onboard.bot")


def router() -> Router:
    r = Router(name="fallback")
    r.message.register(not_understood)
    r.callback_query.register(stale_button)
    r.errors.register(failed)
    return r


async def not_understood(
    message: Message,
    api: ServiceClient,
    profile: Profile | None,
    event_from_user: User,
    state: FSMContext,
    i18n: I18n,
    today: Today,
) -> None:
    """Any message no other handler took; one asking for the QR or the card opens it. In
    the card's form (where "for whom" and the confirmation take buttons only), its pending
    question again, so the form is not left waiting behind the main menu."""
    if menu.wants_card(message.text):
        await card.show_cards(message, event_from_user, api, profile)
        return
    current = await state.get_state()
    if registration.in_registration(current):
        buttons_only = (registration.WHOM_STATE.state, registration.CONFIRM_STATE.state)
        hint = texts.not_understood()
        if current in buttons_only:
            hint = texts.explain(forms.Invalid("use_buttons"))
        await message.answer("⚠️ " + hint)
        await registration.repeat_question(message, state, i18n, today, help_first=False)
        return
    await message.answer(texts.not_understood(), reply_markup=keyboards.main_menu())


async def stale_button(callback: CallbackQuery) -> None:
    """A button from an old message, another flow, or an older version of the bot."""
    await stale(callback)


async def failed(event: ErrorEvent) -> None:
    """Log the failure (its type and where, never the update's content) and apologise."""
    error = event.exception
    # The exception's message can quote what the user typed: only its type and traceback.
    where = "".join(traceback.format_tb(error.__traceback__))
    log.error("update %s failed: %s\n%s", event.update.update_id, type(error).__name__, where)
    update = event.update
    message = update.message or (
        update.callback_query.message
        if update.callback_query and isinstance(update.callback_query.message, Message)
        else None
    )
    if update.callback_query is not None:
        with suppress(TelegramAPIError):
            await update.callback_query.answer()
    if message is not None:
        with suppress(TelegramAPIError):
            await message.answer(texts.went_wrong())
