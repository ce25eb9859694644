"""/card: the account's cards, each with its QR code sent as a lossless PNG document."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message, User

from bot import keyboards, texts
from bot.api import Card, Conflict, ServiceClient
from bot.callbacks import CardCB, MenuCB
from bot.handlers.common import chat_message, stale

PROVABLE = ("pending_entry", "active")


def router() -> Router:
    r = Router(name="card")
    r.message.register(cards_command, Command("card"))
    r.callback_query.register(cards_button, MenuCB.filter(F.action == "card"))
    r.callback_query.register(card_button, CardCB.filter(F.action.in_(("show", "refresh"))))
    r.callback_query.register(print_button, CardCB.filter(F.action == "print"))
    return r


async def cards_command(message: Message, event_from_user: User, api: ServiceClient) -> None:
    """Show the current card with its QR, and buttons for the account's other cards."""
    await show_cards(message, event_from_user, api)


async def cards_button(callback: CallbackQuery, api: ServiceClient) -> None:
    """The menu's "my card" button: as /card."""
    await callback.answer()
    message = chat_message(callback)
    if message is not None:
        await show_cards(message, callback.from_user, api)


async def card_button(callback: CallbackQuery, callback_data: CardCB, api: ServiceClient) -> None:
    """Show another card, or send a fresh QR of this one (the old QR message goes away)."""
    cards = await api.list_cards(callback.from_user.id)
    card = _own(cards, callback_data)
    message = chat_message(callback)
    if card is None or message is None:
        await stale(callback)  # not this account's card (any more), or a message gone
        return
    await callback.answer()
    await _send_card(message, card, [c for c in cards if c.id != card.id], api)
    if callback_data.action == "refresh":
        with suppress(TelegramAPIError):
            await message.delete()


async def print_button(callback: CallbackQuery, callback_data: CardCB, api: ServiceClient) -> None:
    """Send the card as a one-page PDF to print (with a fresh QR on it)."""
    card = _own(await api.list_cards(callback.from_user.id), callback_data)
    message = chat_message(callback)
    if card is None or message is None or card.status not in PROVABLE:
        await stale(callback)
        return
    try:
        pdf = await api.print_pdf(card.id)
    except Conflict:
        await callback.answer(texts.no_qr())
        return
    await callback.answer()
    document = BufferedInputFile(pdf, filename=f"e-card-{card.number}.pdf")
    await message.answer_document(document, caption=texts.print_caption())


def _own(cards: list[Card], data: CardCB) -> Card | None:
    """The button's card if it is one of the account's (buttons can be old or forged)."""
    return next((c for c in cards if str(c.id) == data.card_id), None)


async def show_cards(message: Message, user: User, api: ServiceClient) -> None:
    cards = await api.list_cards(user.id)
    if not cards:
        await message.answer(texts.no_cards(), reply_markup=keyboards.register_button())
        return
    current = current_card(cards)
    await _send_card(message, current, [c for c in cards if c.id != current.id], api)


def current_card(cards: list[Card]) -> Card:
    """The newest card that has a QR, else the newest card."""
    provable = [c for c in cards if c.status in PROVABLE]
    return (provable or cards)[-1]


async def _send_card(message: Message, card: Card, others: list[Card], api: ServiceClient) -> None:
    labels = {str(c.id): texts.card_label(c) for c in others}
    facts = texts.card_text(card)
    png = None
    if card.status in PROVABLE:
        try:
            png = await api.proof_png(card.id)
        except Conflict:
            png = None  # expired since it was listed, say
    if png is None:
        markup = keyboards.card_actions(None, others, labels)
        await message.answer(facts + "\n\n" + texts.no_qr(), reply_markup=markup)
        return
    # A document, never a photo: Telegram recompresses photos, which breaks dense codes.
    document = BufferedInputFile(png, filename=f"card-{card.number}.png")
    await message.answer_document(
        document,
        caption=facts + "\n\n" + texts.qr_caption(),
        reply_markup=keyboards.card_actions(card, others, labels),
    )
