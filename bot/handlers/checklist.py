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

from bot import keyboards, people, texts
from bot.api import Card, Checklist, Conflict, NotFound, Profile, ServiceClient
from bot.callbacks import ChecklistCB, MenuCB
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
    message: Message,
    event_from_user: User,
    api: ServiceClient,
    i18n: I18n,
    today: Today,
    profile: Profile | None,
) -> None:
    """The holder's own card's checklist, with buttons for the account's other cards."""
    cards = await api.list_cards(event_from_user.id)
    if not cards:
        await message.answer(texts.no_cards(), reply_markup=keyboards.register_button())
        return
    card = people.current_card(cards, profile)
    listing = await api.checklist(card.id, i18n.current_locale)
    text, markup = _render(card, cards, listing, today, profile)
    await message.answer(text, reply_markup=markup)


async def checklist_button(
    callback: CallbackQuery, api: ServiceClient, i18n: I18n, today: Today, profile: Profile | None
) -> None:
    """The menu's "deadlines" button: as /checklist."""
    await callback.answer()
    message = chat_message(callback)
    if message is not None:
        await checklist_command(message, callback.from_user, api, i18n, today, profile)


async def show(
    callback: CallbackQuery,
    callback_data: ChecklistCB,
    api: ServiceClient,
    i18n: I18n,
    today: Today,
    profile: Profile | None = None,
) -> None:
    """The checklist of one of the account's cards (also: refresh, and back from a date)."""
    if owned := await _own(callback, callback_data, api):
        await callback.answer()
        await _show(callback, *owned, api, i18n, today, profile)


async def when(
    callback: CallbackQuery,
    callback_data: ChecklistCB,
    api: ServiceClient,
    i18n: I18n,
    today: Today,
) -> None:
    """Ask on which day the item was done: today, yesterday, or an earlier date."""
    if not (owned := await _own(callback, callback_data, api)):
        return
    card = owned[0]
    listing = await api.checklist(card.id, i18n.current_locale)
    item = next((i for i in listing.items if i.id == callback_data.item), None)
    if item is None or not item.open:
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
    profile: Profile | None = None,
) -> None:
    """Record the item as done on the chosen day (a self-report), then show the checklist."""
    if not 0 <= callback_data.days < keyboards.DONE_DAYS_MAX:
        await stale(callback)
        return
    if not (owned := await _own(callback, callback_data, api)):
        return
    card, cards = owned
    current = await api.checklist(card.id, i18n.current_locale)
    item = next((i for i in current.items if i.id == callback_data.item), None)
    if item is None:  # not an item the service listed for this card: a forged button
        await stale(callback)
        return
    if not item.open:  # listed, but done already or nothing to report
        await callback.answer(
            texts.already_done() if item.status == "done" else texts.not_applicable()
        )
        await replace(callback, *_render(card, cards, current, today, profile))
        return
    day = today() - timedelta(days=callback_data.days)
    try:
        listing = await api.mark_done(
            card.id,
            callback_data.item,
            done_on=day,
            evidence=SELF_REPORT,
            language=i18n.current_locale,
        )
    except Conflict as exc:
        await callback.answer(
            texts.already_done() if exc.reason == "already-done" else texts.not_applicable()
        )
        await _show(callback, card, cards, api, i18n, today, profile)
        return
    except NotFound:
        await stale(callback)
        return
    title = next((i.title for i in listing.items if i.id == callback_data.item), "")
    await callback.answer(texts.marked_done(title))
    await replace(callback, *_render(card, cards, listing, today, profile))


async def mute(
    callback: CallbackQuery,
    callback_data: ChecklistCB,
    api: ServiceClient,
    i18n: I18n,
    today: Today,
    profile: Profile | None = None,
) -> None:
    """Turn this card's reminders off or on again."""
    if not (owned := await _own(callback, callback_data, api)):
        return
    muted = callback_data.action == "mute"
    await api.set_muted(owned[0].id, muted)
    await callback.answer(texts.reminders_muted() if muted else texts.reminders_unmuted())
    await _show(callback, *owned, api, i18n, today, profile)


async def silence(callback: CallbackQuery, callback_data: ChecklistCB, api: ServiceClient) -> None:
    """Mute the card from one of its reminders; the reminder itself stays readable."""
    message = chat_message(callback)
    if message is None or not (owned := await _own(callback, callback_data, api)):
        return
    card = owned[0]
    await api.set_muted(card.id, True)
    await callback.answer(texts.reminders_muted())
    with suppress(TelegramAPIError):
        await message.edit_reply_markup(reply_markup=keyboards.reminder(card.number, muted=True))


async def _own(
    callback: CallbackQuery, data: ChecklistCB, api: ServiceClient
) -> tuple[Card, list[Card]] | None:
    """The button's card and all the account's cards; a card not the account's (a forged
    or outdated button) is answered "out of date" and gives None."""
    cards = await api.list_cards(callback.from_user.id)
    card = next((c for c in cards if c.number == data.card), None)
    if card is None:
        await stale(callback)
        return None
    return card, cards


async def _show(
    callback: CallbackQuery,
    card: Card,
    cards: list[Card],
    api: ServiceClient,
    i18n: I18n,
    today: Today,
    profile: Profile | None = None,
) -> None:
    listing = await api.checklist(card.id, i18n.current_locale)
    await replace(callback, *_render(card, cards, listing, today, profile))


def _render(
    card: Card, cards: list[Card], listing: Checklist, today: Today, profile: Profile | None
) -> tuple[str, InlineKeyboardMarkup]:
    others = [c for c in cards if c.id != card.id]
    labels = texts.card_labels(others, cards, profile)
    text = texts.checklist(card, listing, today(), people.full_name(card))
    return text, keyboards.checklist(card.number, listing, others, labels)
