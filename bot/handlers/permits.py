"""The patent from /checklist: "I got my patent" (its issue day, then the last paid day as on
the receipt) and "I paid" (the day, then how many months). The service keeps them as records
and dates the payment and the contract copy from them; the checklist then shows those dates.

Days are picked from buttons; the paid-until day is typed (it is printed on the receipt),
so that one step keeps a small FSM state: the card's number and the issue day, no more.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from pydantic import BaseModel, ValidationError

from bot import dates, keyboards, texts
from bot.api import Conflict, InvalidInput, NotFound
from bot.callbacks import PermitCB
from bot.handlers.checklist import Board, BoardMiddleware
from bot.handlers.common import chat_message, drop_buttons, replace, stale


class PatentForm(StatesGroup):
    paid_until = State()  # the issue day is chosen; the last paid day is typed


class PatentDraft(BaseModel):
    card: str  # the card's number (checked against the account's cards again)
    issued_on: date
    prompt: int | None = None  # the message asking for the date: its button goes after


def router() -> Router:
    r = Router(name="permits")
    r.message.middleware(BoardMiddleware())
    r.callback_query.middleware(BoardMiddleware())
    r.callback_query.register(ask_day, PermitCB.filter(F.action.in_(tuple(_DAY_ASKED))))
    r.callback_query.register(issued, PermitCB.filter(F.action == "issued"))
    r.message.register(paid_until, PatentForm.paid_until, F.text, ~F.text.startswith("/"))
    r.callback_query.register(ask_months, PermitCB.filter(F.action == "paid"))
    r.callback_query.register(paid, PermitCB.filter(F.action == "months"))
    return r


def _day(board: Board, data: PermitCB) -> date | None:
    if not 0 <= data.days < keyboards.DONE_DAYS_MAX:
        return None
    return board.today() - timedelta(days=data.days)


async def issued(
    callback: CallbackQuery, callback_data: PermitCB, board: Board, state: FSMContext
) -> None:
    """The issue day chosen: ask the last paid day, typed from the receipt."""
    day = _day(board, callback_data)
    if day is None or not await board.own(callback, callback_data.card):
        await stale(callback)
        return
    await callback.answer()
    await state.set_state(PatentForm.paid_until)
    prompt = message.message_id if (message := chat_message(callback)) else None
    draft = PatentDraft(card=callback_data.card, issued_on=day, prompt=prompt)
    await state.set_data(draft.model_dump(mode="json"))
    text = texts.patent_issued_on(day) + "\n\n" + texts.patent_paid_until_prompt()
    await replace(callback, text, keyboards.back_to_checklist(callback_data.card))


async def paid_until(message: Message, board: Board, state: FSMContext) -> None:
    """The typed last paid day: the patent is recorded, and the checklist shown with it."""
    assert message.text is not None and message.from_user is not None
    try:
        draft = PatentDraft.model_validate(await state.get_data())
    except ValidationError:
        await state.clear()
        await message.answer(texts.stale_button())
        return
    try:
        until = dates.parse(message.text)
    except dates.DateError:
        await message.answer(
            texts.patent_date_unreadable() + "\n\n" + texts.patent_paid_until_prompt()
        )
        return
    if until < draft.issued_on:
        await message.answer(
            texts.patent_paid_before_issue() + "\n\n" + texts.patent_paid_until_prompt()
        )
        return
    cards = await board.api.list_cards(message.from_user.id)
    card = next((c for c in cards if c.number == draft.card), None)
    await state.clear()
    await _tidy(message, draft.prompt)
    if card is None:
        await message.answer(texts.stale_button())
        return
    try:
        await board.api.add_permit(card.id, issued_on=draft.issued_on, paid_until=until)
    except (Conflict, InvalidInput) as exc:
        await message.answer(texts.patent_refused(_reason(exc)))
        return
    text, markup = await board.render(card, cards)
    await message.answer(texts.patent_recorded(until) + "\n\n" + text, reply_markup=markup)


# "I got my patent" asks the issue day, "I paid" the day of the payment: the button that
# records the day chosen, and the question.
_DAY_ASKED = {
    "issue": ("issued", texts.patent_issued_when),
    "pay": ("paid", texts.payment_when),
}


async def ask_day(callback: CallbackQuery, callback_data: PermitCB, board: Board) -> None:
    """On which day was the patent issued, or the payment made? (a page of dates)"""
    record, question = _DAY_ASKED[callback_data.action]
    if not await board.own(callback, callback_data.card):
        return
    await callback.answer()
    markup = keyboards.permit_dates(
        callback_data.card, callback_data.action, record, board.today(), callback_data.days
    )
    await replace(callback, question(), markup)


async def ask_months(callback: CallbackQuery, callback_data: PermitCB, board: Board) -> None:
    """The day chosen: for how many months was it paid?"""
    day = _day(board, callback_data)
    if day is None or not await board.own(callback, callback_data.card):
        await stale(callback)
        return
    await callback.answer()
    markup = keyboards.payment_months(callback_data.card, callback_data.days)
    await replace(callback, texts.payment_months(day), markup)


async def paid(callback: CallbackQuery, callback_data: PermitCB, board: Board) -> None:
    """Record the payment on the card's current patent; show the checklist with its date."""
    day = _day(board, callback_data)
    if day is None or not 1 <= callback_data.months <= 12:
        await stale(callback)
        return
    if not (owned := await board.own(callback, callback_data.card)):
        return
    card, cards = owned
    permits = await board.api.permits(card.id)
    if not permits:
        await stale(callback)
        return
    current = max(permits, key=lambda p: p.issued_on)  # as the service dates it: the latest
    try:
        permit = await board.api.add_payment(
            card.id, current.id, paid_on=day, months=callback_data.months
        )
    except (Conflict, InvalidInput, NotFound) as exc:
        await callback.answer()
        await drop_buttons(callback)
        message = chat_message(callback)
        if message is not None:
            await message.answer(texts.patent_refused(_reason(exc)))
        return
    await callback.answer(texts.payment_recorded(permit.paid_until))
    text, markup = await board.render(card, cards)
    await replace(callback, texts.payment_recorded(permit.paid_until) + "\n\n" + text, markup)


async def _tidy(message: Message, prompt: int | None) -> None:
    """The question answered by typing loses its button, so none is left live-looking."""
    if prompt is not None and message.bot is not None:
        with suppress(TelegramAPIError):
            await message.bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=prompt, reply_markup=None
            )


async def _ask_again(message: Message, why: str) -> None:
    await message.answer("⚠️ " + why + "\n\n" + texts.patent_paid_until_prompt())


def _reason(exc: Exception) -> str:
    """Why the service refused, as a key of texts.patent_refused."""
    if isinstance(exc, Conflict):
        return exc.reason or ""
    if isinstance(exc, InvalidInput) and exc.errors:
        return exc.errors[0].field
    return ""
