"""/checklist: what is due after arrival and by when; items reported done; reminders muted.

Everything is keyed by the card's number and checked against the account's own cards, so a
forged or stale button can never touch another person's card. No FSM state: dates are
picked from buttons. (The patent's own records: bot/handlers/permits.py.)
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject, User
from aiogram.utils.i18n import I18n

from bot import keyboards, people, texts
from bot.api import Card, Checklist, Conflict, NotFound, Profile, ServiceClient
from bot.callbacks import ChecklistCB, MenuCB
from bot.handlers.common import HandlerContext, Today, answered, chat_message, replace, stale
from bot.middlewares import Handler

# Recorded as the evidence of a self-report (the service also flags it self-reported).
SELF_REPORT = "reported by the holder in the Telegram bot"


@dataclass
class Board(HandlerContext):
    """What the checklist's handlers work with (given to them as ``board``): the service,
    the user's language, today, and whose card is the account holder's."""

    async def own(self, callback: CallbackQuery, number: str) -> tuple[Card, list[Card]] | None:
        """The button's card and all the account's cards; a card not the account's (a
        forged or outdated button) is answered "out of date" and gives None."""
        cards = await self.api.list_cards(callback.from_user.id)
        card = next((c for c in cards if c.number == number), None)
        if card is None:
            await stale(callback)
            return None
        return card, cards

    async def render(
        self, card: Card, cards: list[Card], listing: Checklist | None = None
    ) -> tuple[str, InlineKeyboardMarkup]:
        """The card's checklist as text and buttons (read from the service unless given)."""
        if listing is None:
            listing = await self.api.checklist(card.id, self.language)
        others = [c for c in cards if c.id != card.id]
        labels = texts.card_labels(others, cards, self.profile)
        text = texts.checklist(card, listing, self.today(), people.full_name(card))
        return text, keyboards.checklist(card.number, listing, others, labels)

    async def show(
        self,
        callback: CallbackQuery,
        card: Card,
        cards: list[Card],
        listing: Checklist | None = None,
    ) -> None:
        await replace(callback, *await self.render(card, cards, listing))


class BoardMiddleware(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["board"] = Board(
            api=data["api"], i18n=data["i18n"], today=data["today"], profile=data.get("profile")
        )
        return await handler(event, data)


def router() -> Router:
    r = Router(name="checklist")
    r.message.middleware(BoardMiddleware())
    r.callback_query.middleware(BoardMiddleware())
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
    await send_checklist(message, event_from_user, Board(api, i18n, today, profile))


async def send_checklist(message: Message, user: User, board: Board) -> None:
    """The default card's checklist as a new message."""
    cards = await board.api.list_cards(user.id)
    if not cards:
        await message.answer(texts.no_cards(), reply_markup=keyboards.register_button())
        return
    card = people.current_card(cards, board.profile)
    text, markup = await board.render(card, cards)
    await message.answer(text, reply_markup=markup)


async def checklist_button(callback: CallbackQuery, board: Board) -> None:
    """The menu's "deadlines" button: as /checklist."""
    if (message := await answered(callback)) is not None:
        await send_checklist(message, callback.from_user, board)


async def show(callback: CallbackQuery, callback_data: ChecklistCB, board: Board) -> None:
    """The checklist of one of the account's cards (also: refresh, and back from a date)."""
    if owned := await board.own(callback, callback_data.card):
        await callback.answer()
        await board.show(callback, *owned)


async def when(callback: CallbackQuery, callback_data: ChecklistCB, board: Board) -> None:
    """Ask on which day the item was done: today, yesterday, or an earlier date."""
    if not (owned := await board.own(callback, callback_data.card)):
        return
    card = owned[0]
    listing = await board.api.checklist(card.id, board.language)
    item = next((i for i in listing.items if i.id == callback_data.item), None)
    if item is None or not item.open:
        await stale(callback)
        return
    await callback.answer()
    markup = keyboards.done_dates(card.number, item.id, board.today(), callback_data.days)
    await replace(callback, texts.when_done(item.title), markup)


async def done_on(callback: CallbackQuery, callback_data: ChecklistCB, board: Board) -> None:
    """Record the item as done on the chosen day (a self-report), then show the checklist."""
    if not 0 <= callback_data.days < keyboards.DONE_DAYS_MAX:
        await stale(callback)
        return
    if not (owned := await board.own(callback, callback_data.card)):
        return
    card, cards = owned
    current = await board.api.checklist(card.id, board.language)
    item = next((i for i in current.items if i.id == callback_data.item), None)
    if item is None:  # not an item the service listed for this card: a forged button
        await stale(callback)
        return
    if not item.open:  # listed, but done already or nothing to report
        await callback.answer(
            texts.already_done() if item.status == "done" else texts.not_applicable()
        )
        await board.show(callback, card, cards, current)
        return
    day = board.today() - timedelta(days=callback_data.days)
    try:
        listing = await board.api.mark_done(
            card.id, item.id, done_on=day, evidence=SELF_REPORT, language=board.language
        )
    except Conflict as exc:
        await callback.answer(
            texts.already_done() if exc.reason == "already-done" else texts.not_applicable()
        )
        await board.show(callback, card, cards)
        return
    except NotFound:
        await stale(callback)
        return
    title = next((i.title for i in listing.items if i.id == item.id), "")
    await callback.answer(texts.marked_done(title))
    await board.show(callback, card, cards, listing)


async def mute(callback: CallbackQuery, callback_data: ChecklistCB, board: Board) -> None:
    """Turn this card's reminders off or on again."""
    if not (owned := await board.own(callback, callback_data.card)):
        return
    muted = callback_data.action == "mute"
    await board.api.set_muted(owned[0].id, muted)
    await callback.answer(texts.reminders_muted() if muted else texts.reminders_unmuted())
    await board.show(callback, *owned)


async def silence(callback: CallbackQuery, callback_data: ChecklistCB, board: Board) -> None:
    """Mute the card from one of its reminders; the reminder itself stays readable."""
    message = chat_message(callback)
    if message is None or not (owned := await board.own(callback, callback_data.card)):
        return
    card = owned[0]
    await board.api.set_muted(card.id, True)
    await callback.answer(texts.reminders_muted())
    with suppress(TelegramAPIError):
        await message.edit_reply_markup(reply_markup=keyboards.reminder(card.number, muted=True))
