"""/start, /help, /language and /cancel: available in every state."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import date

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import BotCommand, BotCommandScopeChat, CallbackQuery, Message, User
from aiogram.utils.i18n import I18n

from bot import keyboards, quiz, texts
from bot.api import Profile
from bot.callbacks import LanguageCB, MenuCB
from bot.handlers import registration
from bot.handlers.common import replace
from bot.i18n import LANGUAGES
from bot.profiles import ProfileStore, has_consent

log = logging.getLogger("onboard.bot")


def router() -> Router:
    r = Router(name="start")
    r.message.register(start, CommandStart())
    r.message.register(help_command, Command("help"))
    r.callback_query.register(help_button, MenuCB.filter(F.action == "help"))
    r.message.register(language_command, Command("language"))
    r.callback_query.register(language_button, MenuCB.filter(F.action == "language"))
    r.callback_query.register(language_chosen, LanguageCB.filter(F.code.in_(LANGUAGES)))
    r.message.register(cancel, Command("cancel"))
    return r


async def start(
    message: Message, event_from_user: User, profile: Profile | None, profiles: ProfileStore
) -> None:
    """Greet in the user's language (kept in the service by then), with the keyboard that
    keeps the QR one tap away; ask for consent."""
    await message.answer(texts.greeting(), reply_markup=keyboards.reply_menu())
    if profile is None:  # the service was not reachable when the update came in
        profile = await profiles.get(event_from_user.id)
    if has_consent(profile):
        await message.answer(texts.main_menu(), reply_markup=keyboards.main_menu())
    else:
        await message.answer(texts.consent_notice(), reply_markup=keyboards.consent())


async def help_command(
    message: Message, state: FSMContext, i18n: I18n, today: Callable[[], date]
) -> None:
    """The list of commands; in the middle of the card's form, its question again."""
    if await registration.repeat_question(message, state, i18n, today, help_first=True):
        return
    await message.answer(texts.help_text(), reply_markup=keyboards.main_menu())


async def help_button(callback: CallbackQuery) -> None:
    """The list of commands, from the menu."""
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(texts.help_text(), reply_markup=keyboards.main_menu())


async def language_command(message: Message, i18n: I18n) -> None:
    """Offer the six languages, each named in itself."""
    await message.answer(
        texts.choose_language(), reply_markup=keyboards.languages(i18n.current_locale)
    )


async def language_button(callback: CallbackQuery, i18n: I18n) -> None:
    """Offer the languages, from the menu."""
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(
            texts.choose_language(), reply_markup=keyboards.languages(i18n.current_locale)
        )


async def language_chosen(
    callback: CallbackQuery, callback_data: LanguageCB, profiles: ProfileStore, i18n: I18n
) -> None:
    """Keep the new language in the service and answer in it from now on."""
    await profiles.set_language(callback.from_user.id, callback_data.code)
    await callback.answer()
    with i18n.use_locale(callback_data.code):
        await replace(callback, texts.language_set(), keyboards.main_menu())
        if isinstance(callback.message, Message):
            await _chat_commands(callback, callback.message.chat.id)
            # The persistent keyboard's labels in the new language.
            await callback.message.answer(texts.main_menu(), reply_markup=keyboards.reply_menu())


async def _chat_commands(callback: CallbackQuery, chat_id: int) -> None:
    # Telegram picks the menu by the app's language; a chat-scoped menu follows our choice.
    commands = [BotCommand(command=c, description=d) for c, d in texts.commands()]
    with suppress(TelegramAPIError):
        if callback.bot is not None:
            await callback.bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id))


async def cancel(message: Message, state: FSMContext) -> None:
    """Stop whatever is in progress and delete its answers."""
    had_state = await state.get_state() is not None or bool(await state.get_data())
    await state.clear()
    had_quiz = await quiz.clear(state)
    await message.answer(texts.cancelled() if had_state or had_quiz else texts.nothing_to_cancel())
