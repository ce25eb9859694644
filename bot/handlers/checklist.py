"""/checklist: what is due after arrival and by when; items reported done; reminders muted.

Everything is keyed by the card's number and checked against the account's own cards, so a
forged or stale button can never touch another person's card. No FSM state: dates are
picked from buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import date, timedelta

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User
from aiogram.utils.i18n import I18n

from bot import keyboards, texts
from bot.api import Card, ChecklistItem, Conflict, NotFound, ServiceClient
from bot.callbacks import ChecklistCB, MenuCB
from bot.handlers.card import current_card
from bot.handlers.common import chat_message, replace, stale

Today = Callable[[], date]
# Recorded as the evidence of a self-report (the service also flags it self-reported).
SELF_REPORT = "reported by the holder in the Telegram bot"


def router() -> Router:
    r = Router(name="checklist")
    r.message.register(checklist_command, Command("checklist"))
    r.callback_query.register(checklist_button, MenuCB.filter(F.action == "checklist"))
    r.callback_query.register(show, ChecklistCB.filter(F.action == "show"))
    r.callback_query.register(when, ChecklistCB.filter(F.action == "when"))
    r.callback_query.register(done_on, ChecklistCB.filter(F.action == "on"))
    r.callback_query.register(mute, ChecklistCB.filter(F.action.in_(("mute", "unmute"))))
    r.callback_query.register(silence, ChecklistCB.filter(F.action == "silence"))
    return r


async def checklist_command(
    message: Message, event_from_user: User, api: ServiceClient, i18n: I18n, today: Today
) -> None:
    """The current card's checklist, with buttons for the account's other cards."""
    cards = await api.list_cards(event_from_user.id)
    if not cards:
        await message.answer(texts.no_cards(), reply_markup=keyboards.register_button())
        return
    text, markup = await _render(current_card(cards), cards, api, i18n, today)
    await message.answer(text, reply_markup=markup)


async def checklist_button(
    callback: CallbackQuery, api: ServiceClient, i18n: I18n, today: Today
) -> None:
    """The menu's "deadlines" button: as /checklist."""
    await callback.answer()
    message = chat_message(callback)
    if message is not None:
        await checklist_command(message, callback.from_user, api, i18n, today)


async def show(
    callback: CallbackQuery,
    callback_data: ChecklistCB,
    api: ServiceClient,
    i18n: I18n,
    today: Today,
) -> None:
    """The checklist of one of the account's cards (also: refresh, and back from a date)."""
    cards, card = await _own(callback, callback_data, api)
    if card is None:
        await stale(callback)
        return
    await callback.answer()
    await _show(callback, card, cards, api, i18n, today)


async def when(
    callback: CallbackQuery,
    callback_data: ChecklistCB,
    api: ServiceClient,
    i18n: I18n,
    today: Today,
) -> None:
    """Ask on which day the item was done: today, yesterday, or an earlier date."""
    _, card = await _own(callback, callback_data, api)
    item = await _item(card, callback_data.item, api, i18n) if card else None
    if card is None or item is None or not _open(item):
        await stale(callback)
        return
    await callback.answer()
    markup = keyboards.done_dates(card.number, item.id, today(), callback_data.days)
    await replace(callback, texts.when_done(item.title), markup)


async def done_on(
    callback: CallbackQuery,
    callback_data: ChecklistCB,
    api: ServiceClient,
    i18n: I18n,
    today: Today,
) -> None:
    """Record the item as done on the chosen day (a self-report), then show the checklist."""
    cards, card = await _own(callback, callback_data, api)
    day = today() - timedelta(days=callback_data.days)
    if card is None or not 0 <= callback_data.days < keyboards.DONE_DAYS_MAX:
        await stale(callback)
        return
    try:
        listing = await api.mark_done(
            card.id, callback_data.item, done_on=day, evidence=SELF_REPORT
        )
    except Conflict as exc:
        await callback.answer(
            texts.already_done() if exc.reason == "already-done" else texts.not_applicable()
        )
        await _show(callback, card, cards, api, i18n, today)
        return
    except NotFound:
        await stale(callback)
        return
    title = next((i.title for i in listing.items if i.id == callback_data.item), "")
    await callback.answer(texts.marked_done(title))
    await _show(callback, card, cards, api, i18n, today)


async def mute(
    callback: CallbackQuery,
    callback_data: ChecklistCB,
    api: ServiceClient,
    i18n: I18n,
    today: Today,
) -> None:
    """Turn this card's reminders off or on again."""
    cards, card = await _own(callback, callback_data, api)
    if card is None:
        await stale(callback)
        return
    muted = callback_data.action == "mute"
    await api.set_muted(card.id, muted)
    await callback.answer(texts.reminders_muted() if muted else texts.reminders_unmuted())
    await _show(callback, card, cards, api, i18n, today)


async def silence(callback: CallbackQuery, callback_data: ChecklistCB, api: ServiceClient) -> None:
    """Mute the card from one of its reminders; the reminder itself stays readable."""
    _, card = await _own(callback, callback_data, api)
    message = chat_message(callback)
    if card is None or message is None:
        await stale(callback)
        return
    await api.set_muted(card.id, True)
    await callback.answer(texts.reminders_muted())
    with suppress(TelegramAPIError):
        await message.edit_reply_markup(reply_markup=keyboards.reminder(card.number, muted=True))


async def _own(
    callback: CallbackQuery, data: ChecklistCB, api: ServiceClient
) -> tuple[list[Card], Card | None]:
    cards = await api.list_cards(callback.from_user.id)
    return cards, next((c for c in cards if c.number == data.card), None)


async def _item(card: Card, item_id: str, api: ServiceClient, i18n: I18n) -> ChecklistItem | None:
    listing = await api.checklist(card.id, i18n.current_locale)
    return next((i for i in listing.items if i.id == item_id), None)


def _open(item: ChecklistItem) -> bool:
    return item.reportable and item.status in ("pending", "overdue")


async def _show(
    callback: CallbackQuery,
    card: Card,
    cards: list[Card],
    api: ServiceClient,
    i18n: I18n,
    today: Today,
) -> None:
    text, markup = await _render(card, cards, api, i18n, today)
    await replace(callback, text, markup)


async def _render(
    card: Card, cards: list[Card], api: ServiceClient, i18n: I18n, today: Today
) -> tuple[str, InlineKeyboardMarkup]:
    listing = await api.checklist(card.id, i18n.current_locale)
    others = [c for c in cards if c.id != card.id]
    labels = {c.number: texts.card_label(c) for c in others}
    return texts.checklist(card, listing, today()), keyboards.checklist(
        card.number, listing, others, labels
    )
