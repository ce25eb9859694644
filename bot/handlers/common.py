"""Small helpers the feature routers share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot import texts
from bot.api import NotFound, Page, Profile, ServiceClient
from bot.screens import screens

TELEGRAM_LIMIT = 4096  # characters of a message
Today = Callable[[], date]  # the date the bot counts in (Moscow's: bot/app.py)


@dataclass
class HandlerContext:
    """What a feature's handlers work with: the service, the user's language, today, and
    the account's profile (None when the service cannot be reached)."""

    api: ServiceClient
    i18n: I18n
    today: Today
    profile: Profile | None

    @property
    def language(self) -> str:
        return str(self.i18n.current_locale)


async def replace(
    callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Show ``text`` in place of the pressed message, or as a new one when that cannot be."""
    message = callback.message
    if isinstance(message, Message) and message.text is not None:
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as exc:
            if "not modified" in str(exc):
                return
    if isinstance(message, Message):
        await message.answer(text, reply_markup=markup)


async def drop_buttons(callback: CallbackQuery) -> None:
    """Take the buttons off a message that has been answered, so they cannot go stale."""
    if isinstance(callback.message, Message):
        with suppress(TelegramAPIError):
            await callback.message.edit_reply_markup(reply_markup=None)


async def stale(callback: CallbackQuery) -> None:
    with suppress(TelegramAPIError):
        await callback.answer(texts.stale_button())


async def answered(callback: CallbackQuery) -> Message | None:
    """Answer a button that acts as a command (the menu's), and give the chat to reply in."""
    await callback.answer()
    return chat_message(callback)


def chat_message(callback: CallbackQuery) -> Message | None:
    return callback.message if isinstance(callback.message, Message) else None


class _Paged(Protocol):
    title: str
    pages: list[Page]


P = TypeVar("P", bound=_Paged)


async def page_screen(
    callback: CallbackQuery, fetch: Awaitable[P], page: int
) -> tuple[P, str, int] | None:
    """Fetch a lesson or guide section and give it with screen ``page`` of its pages (cut into
    short screens) under its bold title and a page footer, and the number of screens; the
    button is answered. None, with the button answered "out of date", when the content or
    that screen is gone (it changed since the button was sent)."""
    try:
        paged = await fetch
    except NotFound:
        await stale(callback)
        return None
    shown = screens([p.html for p in paged.pages])
    if not 0 <= page < len(shown):
        await stale(callback)
        return None
    await callback.answer()
    footer = texts.page_footer(page + 1, len(shown))
    text = f"<b>{texts.escape_html(paged.title)}</b>\n\n{shown[page]}\n\n<i>{footer}</i>"
    return paged, (text if len(text) <= TELEGRAM_LIMIT else shown[page]), len(shown)
