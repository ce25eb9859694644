"""/card: the account's cards, each with its QR code sent as a lossless PNG document."""

from __future__ import annotations

from contextlib import suppress
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message, User

from bot import keyboards, people, texts
from bot.api import Card, Conflict, Profile, ServiceClient
from bot.callbacks import CardCB, MenuCB
from bot.handlers.common import answered, chat_message, drop_buttons, stale
from bot.people import PROVABLE

QR_FILE_PREFIX = "card-"
LEGAL_ZONE = ZoneInfo("Europe/Moscow")  # the date on the QR is a Russian legal date


def router() -> Router:
    r = Router(name="card")
    r.message.register(cards_command, Command("card"))
    r.callback_query.register(cards_button, MenuCB.filter(F.action == "card"))
    r.callback_query.register(card_button, CardCB.filter(F.action.in_(("show", "refresh"))))
    r.callback_query.register(print_button, CardCB.filter(F.action == "print"))
    return r


async def cards_command(
    message: Message, event_from_user: User, api: ServiceClient, profile: Profile | None
) -> None:
    """Show the holder's own card with its QR, and buttons for the account's other cards."""
    await show_cards(message, event_from_user, api, profile)


async def cards_button(
    callback: CallbackQuery, api: ServiceClient, profile: Profile | None
) -> None:
    """The menu's "my card" button: as /card."""
    if (message := await answered(callback)) is not None:
        await show_cards(message, callback.from_user, api, profile)


async def card_button(
    callback: CallbackQuery, callback_data: CardCB, api: ServiceClient, profile: Profile | None
) -> None:
    """Show another card, or send a fresh QR of this one (the old QR message goes away)."""
    cards = await api.list_cards(callback.from_user.id)
    card = _own(cards, callback_data)
    message = chat_message(callback)
    if card is None or message is None:
        await stale(callback)  # not this account's card (any more), or a message gone
        return
    await callback.answer()
    if callback_data.action == "show":  # the flow moves on to the card shown below
        await drop_buttons(callback)
    await _send_card(message, card, cards, api, profile)
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


async def show_cards(
    message: Message, user: User, api: ServiceClient, profile: Profile | None
) -> None:
    cards = await api.list_cards(user.id)
    if not cards:
        await message.answer(texts.no_cards(), reply_markup=keyboards.register_button())
        return
    await _send_card(message, people.current_card(cards, profile), cards, api, profile)


async def _send_card(
    message: Message, card: Card, cards: list[Card], api: ServiceClient, profile: Profile | None
) -> None:
    others = [c for c in cards if c.id != card.id]
    labels = texts.card_labels(others, cards, profile)
    facts = texts.card_text(card)
    png = None
    if card.status in PROVABLE:
        try:
            # The proof first (for its expiry), then its image: the service caches the proof,
            # so both are the same one.
            valid_until = (await api.proof(card.id)).expires_at.astimezone(LEGAL_ZONE).date()
            png = await api.proof_png(card.id)
        except Conflict:
            png = None  # expired since it was listed, say
    if png is None:
        markup = keyboards.card_actions(None, others, labels)
        await message.answer(facts + "\n\n" + texts.no_qr(), reply_markup=markup)
        return
    # A document, never a photo: Telegram recompresses photos, which breaks dense codes.
    document = BufferedInputFile(png, filename=f"{QR_FILE_PREFIX}{card.number}.png")
    sent = await message.answer_document(
        document,
        caption=texts.qr_caption(card, valid_until) + "\n\n" + facts,
        reply_markup=keyboards.card_actions(card, others, labels),
    )
    await _pin(sent)


async def _pin(sent: Message) -> None:
    """Pin the newest QR at the top of the chat, and unpin the QR pinned before it, whose
    buttons go too (a pin is a convenience: if Telegram refuses, the QR is still there)."""
    if sent.bot is None:
        return
    bot, chat_id = sent.bot, sent.chat.id
    with suppress(TelegramAPIError):
        old = (await bot.get_chat(chat_id)).pinned_message
        await bot.pin_chat_message(chat_id, sent.message_id, disable_notification=True)
        if old is not None and old.message_id != sent.message_id and _is_qr(old):
            await bot.unpin_chat_message(chat_id, message_id=old.message_id)
            await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=old.message_id, reply_markup=None
            )


def _is_qr(message: Message) -> bool:
    name = message.document.file_name if message.document is not None else None
    return bool(name and name.startswith(QR_FILE_PREFIX)) and bool(
        message.from_user and message.from_user.is_bot
    )
