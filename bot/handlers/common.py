"""Small helpers the feature routers share."""

from __future__ import annotations

from contextlib import suppress

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import texts
from bot.screens import screens

TELEGRAM_LIMIT = 4096  # characters of a message


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


async def page_screen(
    callback: CallbackQuery, title: str, pages: list[str], page: int
) -> tuple[str, int] | None:
    """Screen ``page`` of ``pages`` (HTML, cut into short screens) under its bold title and a
    page footer, with the number of screens; the button is answered, or, when there is no such
    screen (the content changed since it was sent), answered "out of date" and None given."""
    shown = screens(pages)
    if not 0 <= page < len(shown):
        await stale(callback)
        return None
    await callback.answer()
    footer = texts.page_footer(page + 1, len(shown))
    text = f"<b>{texts.escape_html(title)}</b>\n\n{shown[page]}\n\n<i>{footer}</i>"
    return (text if len(text) <= TELEGRAM_LIMIT else shown[page]), len(shown)
