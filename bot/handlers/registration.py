"""Registration: consent, one question per card field, confirmation with edits, submission.

The questions are ``forms.STEPS``: one state per step, derived from that table. Answers are
personal data: they live in the FSM data (a :class:`forms.Draft`) only while the flow runs,
with a TTL enforced here and by Redis, and are cleared when it ends, whichever way it ends —
except when the service cannot be reached, so that the user can simply try again.
"""

from __future__ import annotations

import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from aiogram import BaseMiddleware, F, Router
from aiogram.dispatcher.flags import get_flag
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup, StatesGroupMeta
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject, User
from aiogram.utils.i18n import I18n

from bot import forms, keyboards, people, texts
from bot.api import Conflict, InvalidInput, ServiceUnavailable
from bot.callbacks import ChoiceCB, ConfirmCB, ConsentCB, MenuCB, PageCB
from bot.config import BotSettings
from bot.handlers.common import (
    HandlerContext,
    Today,
    answered,
    chat_message,
    drop_buttons,
    replace,
    stale,
)
from bot.middlewares import Handler
from bot.profiles import ProfileStore, has_consent

GROUP = "Registration"

# One state per step of the form, in its order, between "for whom" and the confirmation.
STEP_STATES: dict[str, State] = {step.name: State() for step in forms.STEPS}
WHOM_STATE, CONFIRM_STATE = State(), State()
Registration = cast(
    type[StatesGroup],
    StatesGroupMeta(
        GROUP,
        (StatesGroup,),
        {"__module__": __name__, "__qualname__": GROUP}
        | {"whom": WHOM_STATE}
        | STEP_STATES
        | {"confirm": CONFIRM_STATE},
    ),
)


def router() -> Router:
    r = Router(name="registration")
    r.message.middleware(FormMiddleware())
    r.callback_query.middleware(FormMiddleware())
    starts = {"starts_flow": True}
    r.message.register(begin, Command("register"), flags=starts)
    r.callback_query.register(begin_button, MenuCB.filter(F.action == "register"), flags=starts)
    r.callback_query.register(consent_answer, ConsentCB.filter())
    whom = StateFilter(WHOM_STATE)
    r.callback_query.register(whom_button, ChoiceCB.filter(F.field == "whom"), whom)
    r.message.register(whom_text, whom, F.text, ~F.text.startswith("/"))
    steps = StateFilter(*STEP_STATES.values())
    r.message.register(answer_text, steps, F.text, ~F.text.startswith("/"))
    r.message.register(answer_not_text, steps, ~F.text)
    r.callback_query.register(answer_button, ChoiceCB.filter(), steps)
    region = StateFilter(STEP_STATES["region"])
    r.callback_query.register(region_page, PageCB.filter(F.field == "region"), region)
    r.callback_query.register(
        cancel_button, ConfirmCB.filter(F.action == "cancel"), StateFilter(Registration)
    )
    confirm = StateFilter(CONFIRM_STATE)
    r.callback_query.register(edit, ConfirmCB.filter(F.action == "edit"), confirm)
    r.callback_query.register(submit, ConfirmCB.filter(F.action == "submit"), confirm)
    return r


@dataclass
class Form(HandlerContext):
    """What every registration handler works with: the chat's FSM context and the bot's
    services, given to the handlers as ``form`` by :class:`FormMiddleware`."""

    state: FSMContext
    settings: BotSettings
    profiles: ProfileStore

    async def draft(self) -> forms.Draft:
        return forms.Draft.load(await self.state.get_data())

    async def save(self, draft: forms.Draft, state: State | None = None) -> None:
        await self.state.set_data(draft.dump())
        if state is not None:
            await self.state.set_state(state)

    def fresh(self) -> forms.Draft:
        return forms.Draft(expires=time.time() + self.settings.bot_fsm_ttl_seconds)

    def touch(self, draft: forms.Draft) -> None:
        draft.expires = time.time() + self.settings.bot_fsm_ttl_seconds


class FormMiddleware(BaseMiddleware):
    """Gives the handlers their :class:`Form`; answers left untouched longer than the TTL
    are deleted first, whatever the storage."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext = data["state"]
        current = await state.get_state()
        if in_registration(current) and await _expired(state):
            await state.clear()
            if not get_flag(data, "starts_flow"):
                await _tell_expired(event)
                return None
        data["form"] = Form(
            state=state,
            settings=data["settings"],
            i18n=data["i18n"],
            today=data["today"],
            api=data["api"],
            profiles=data["profiles"],
            profile=data.get("profile"),
        )
        return await handler(event, data)


async def _expired(state: FSMContext) -> bool:
    return forms.Draft.load(await state.get_data()).expires < time.time()


def in_registration(state: str | None) -> bool:
    return bool(state) and str(state).startswith(GROUP + ":")


async def _tell_expired(event: TelegramObject) -> None:
    message = event
    if isinstance(event, CallbackQuery):
        await event.answer()
        message = event.message  # type: ignore[assignment]
    if isinstance(message, Message):
        await message.answer(texts.expired_session())


# ------------------------------------------------------------------------------ entry


async def begin(message: Message, event_from_user: User, form: Form) -> None:
    """/register: continue a card in progress, ask for consent, or ask the first question."""
    if await _resume(message, form):
        return
    profile = form.profile
    if not has_consent(profile):
        profile = await form.profiles.get(event_from_user.id, fresh=True)
    if not has_consent(profile):
        await _ask_consent(message)
        return
    await _start(message, form)


async def begin_button(callback: CallbackQuery, form: Form) -> None:
    """The menu's "fill in the card" button: as /register."""
    if (message := await answered(callback)) is not None:
        await begin(message, callback.from_user, form)


async def consent_answer(callback: CallbackQuery, callback_data: ConsentCB, form: Form) -> None:
    """Record consent (then go on with the card), or explain what works without it."""
    await callback.answer()
    message = chat_message(callback)
    if message is None:
        return
    await drop_buttons(callback)
    if has_consent(form.profile) and not await form.state.get_state():
        await message.answer(texts.consent_already(), reply_markup=keyboards.register_button())
        return
    if not callback_data.agree:
        await form.state.clear()  # no consent, no personal data kept
        await message.answer(texts.consent_declined())
        return
    await form.profiles.record_consent(callback.from_user.id, form.language)
    await message.answer(texts.consent_thanks(), reply_markup=keyboards.reply_menu())
    if not await _resume(message, form, quiet=True):
        await _start(message, form)


async def _ask_consent(message: Message) -> None:
    await message.answer(texts.need_consent())
    await message.answer(texts.consent_notice(), reply_markup=keyboards.consent())


async def _start(message: Message, form: Form) -> None:
    await form.save(form.fresh(), WHOM_STATE)
    await message.answer(texts.registration_intro())
    await message.answer(texts.whom_prompt(), reply_markup=keyboards.whom())


async def whom_button(callback: CallbackQuery, callback_data: ChoiceCB, form: Form) -> None:
    """For whom the card is: the account holder ("me") or a family member."""
    message = chat_message(callback)
    if callback_data.value not in forms.WHOM or message is None:
        await stale(callback)
        return
    await callback.answer()
    chosen = texts.whom_labels()[callback_data.value]
    await replace(callback, texts.whom_prompt() + f"\n➡️ <b>{texts.escape_html(chosen)}</b>")
    await _whom(message, callback.from_user, callback_data.value, form)


async def whom_text(message: Message, event_from_user: User, form: Form) -> None:
    """A typed answer to "for whom": a button's label counts as the button."""
    assert message.text is not None
    value = forms.match_label(message.text, texts.whom_labels())
    if value is None:
        error = "⚠️ " + texts.explain(forms.Invalid("use_buttons"))
        await message.answer(error + "\n\n" + texts.whom_prompt(), reply_markup=keyboards.whom())
        return
    await _whom(message, event_from_user, value, form)


async def _whom(message: Message, user: User, value: str, form: Form) -> None:
    if value == "self":
        cards = await form.api.list_cards(user.id)
        own = people.self_person(cards, form.profile)
        if any(c.person_id == own and c.status in people.PROVABLE for c in cards):
            await form.state.clear()  # the holder's own card is open: no second one
            await message.answer(texts.already_have_card())
            return
    draft = await form.draft()
    draft.whom = "family" if value == "family" else "self"
    await _ask(message, form, forms.first_step(), draft, move=True)


async def repeat_question(
    message: Message, state: FSMContext, i18n: I18n, today: Today, *, help_first: bool
) -> bool:
    """In the middle of the form: help on the form, then its pending question again."""
    current = await state.get_state()
    if not in_registration(current):
        return False
    if help_first:
        await message.answer(texts.form_help())
    if current == WHOM_STATE.state:
        await message.answer(texts.whom_prompt(), reply_markup=keyboards.whom())
        return True
    draft = forms.Draft.load(await state.get_data())
    if current == CONFIRM_STATE.state:
        await message.answer(texts.summary(draft, i18n.current_locale), reply_markup=_confirm_kb())
        return True
    step = _step(current)
    if step is not None:
        await _send_question(message, state, step, draft, i18n.current_locale, today())
    return True


async def _resume(message: Message, form: Form, *, quiet: bool = False) -> bool:
    current = await form.state.get_state()
    if not in_registration(current):
        return False
    if not quiet and _step(current) is not None:
        await message.answer(texts.registration_resumed())
    return await repeat_question(message, form.state, form.i18n, form.today, help_first=False)


# ------------------------------------------------------------------------------ answers


async def answer_text(message: Message, form: Form) -> None:
    """A typed answer to the current question: checked, kept, and the next question asked."""
    step = _step(await form.state.get_state())
    draft = await form.draft()
    assert step is not None and message.text is not None
    try:
        typed = forms.match_label(message.text, texts.button_labels(step, draft))
        if typed is not None:  # a button's label typed instead of pressed
            value = forms.parse_choice(step, typed, draft, form.today())
        else:
            value = forms.parse_text(step, message.text, draft, form.today())
    except forms.Ambiguous as exc:
        markup = keyboards.candidates(step, exc.candidates, form.language)
        await message.answer(texts.which_one(), reply_markup=markup)
        return
    except forms.Invalid as exc:
        await _ask(message, form, step, draft, error=exc)
        return
    # What a typed date, country or region was read as, so nothing is guessed silently.
    echo = texts.read_as(step, value, form.language) if forms.step(step).echo else None
    await _advance(message, form, step, value, intro=echo)


async def answer_not_text(message: Message, form: Form) -> None:
    """A photo, sticker or the like where a text answer is expected."""
    step = _step(await form.state.get_state())
    assert step is not None
    await _ask(message, form, step, await form.draft(), error=forms.Invalid("not_text"))


async def answer_button(callback: CallbackQuery, callback_data: ChoiceCB, form: Form) -> None:
    """An answer picked from buttons (a code, a quick date, keep, or skip)."""
    step = _step(await form.state.get_state())
    message = chat_message(callback)
    if step != callback_data.field or message is None:
        await stale(callback)
        return
    draft = await form.draft()
    if callback_data.value == forms.TYPE and forms.step(step).skip == "latin":
        await callback.answer()  # "I'll type it": the question without the Latin form shown
        await replace(callback, texts.latin_typing_prompt(step, draft), keyboards.cancel_only())
        return
    try:
        value = forms.parse_choice(step, callback_data.value, draft, form.today())
    except forms.Invalid as exc:
        await callback.answer(texts.explain(exc, draft), show_alert=True)
        return
    await callback.answer()
    chosen = texts.escape_html(texts.answer_value(step, value, form.language))
    await replace(callback, texts.prompt(step, draft) + f"\n➡️ <b>{chosen}</b>")
    draft.prompt = None  # its buttons went with the edit above
    await _advance(message, form, step, value, draft=draft)


async def region_page(callback: CallbackQuery, callback_data: PageCB) -> None:
    """Another page of the list of all regions."""
    if (message := await answered(callback)) is not None:
        await message.edit_reply_markup(reply_markup=keyboards.region_page(callback_data.page))


async def _advance(
    message: Message,
    form: Form,
    step: str,
    value: Any,
    *,
    intro: str | None = None,
    draft: forms.Draft | None = None,
) -> None:
    draft = draft or await form.draft()
    draft.answer(step, value)
    form.touch(draft)
    if step in forms.LATIN_STEP:  # the Latin form of the name, to show at its own step
        await _spell(form, draft, forms.LATIN_STEP[step], value)
    following = forms.next_step(step, draft)
    if following is None:
        draft.return_to = None
        await _confirm(message, form, draft)
        return
    await _ask(message, form, following, draft, intro=intro, move=True)


async def _spell(form: Form, draft: forms.Draft, latin_step: str, name: str | None) -> None:
    """Ask the service how the card will spell the name in Latin letters (one definition
    of the spelling: the service's); without an answer, the holder types it."""
    draft.latin.pop(latin_step, None)
    if not name:
        return
    try:
        spelt = await form.api.latin_form(name)
    except (ServiceUnavailable, InvalidInput):
        return
    if spelt and forms.is_latin(spelt):
        draft.latin[latin_step] = spelt


async def _ask(
    message: Message,
    form: Form,
    step: str,
    draft: forms.Draft,
    *,
    error: forms.Invalid | None = None,
    intro: str | None = None,
    move: bool = False,
) -> None:
    """Ask the question of ``step``; ``move``: the flow moves to that step (kept first)."""
    if move:
        await form.save(draft, STEP_STATES[step])
    await _send_question(
        message, form.state, step, draft, form.language, form.today(), error=error, intro=intro
    )


async def _send_question(
    message: Message,
    state: FSMContext,
    step: str,
    draft: forms.Draft,
    language: str,
    today: date,
    *,
    error: forms.Invalid | None = None,
    intro: str | None = None,
) -> None:
    """The question of ``step`` (after why the last answer was refused, or how it was read);
    the previous question loses its buttons, so the chat keeps no live-looking ones."""
    text = texts.prompt(step, draft)
    if error is not None:
        text = "⚠️ " + texts.explain(error, draft) + "\n\n" + text
    if intro is not None:
        text = intro + "\n\n" + text
    await _tidy(message, draft.prompt)
    sent = await message.answer(text, reply_markup=keyboards.step(step, draft, language, today))
    draft.prompt = sent.message_id
    await state.update_data({"prompt": sent.message_id})


async def _tidy(message: Message, prompt: int | None) -> None:
    if prompt is not None and message.bot is not None:
        with suppress(TelegramAPIError):
            await message.bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=prompt, reply_markup=None
            )


def _confirm_kb() -> InlineKeyboardMarkup:
    return keyboards.confirm(texts.edit_labels())


async def _confirm(message: Message, form: Form, draft: forms.Draft) -> None:
    await _tidy(message, draft.prompt)
    draft.prompt = None
    await form.save(draft, CONFIRM_STATE)
    await message.answer(texts.summary(draft, form.language), reply_markup=_confirm_kb())


# ------------------------------------------------------------------------------ confirmation


async def cancel_button(callback: CallbackQuery, state: FSMContext) -> None:
    """Stop the registration and delete the answers."""
    await state.clear()
    await callback.answer()
    await drop_buttons(callback)
    message = chat_message(callback)
    if message is not None:
        await message.answer(texts.cancelled())


async def edit(callback: CallbackQuery, callback_data: ConfirmCB, form: Form) -> None:
    """Ask again the questions of one part of the card, then come back to the summary."""
    group = forms.EDIT_GROUPS.get(callback_data.step)
    message = chat_message(callback)
    if group is None or message is None:
        await stale(callback)
        return
    await callback.answer()
    await drop_buttons(callback)
    first, last = group
    draft = await form.draft()
    draft.return_to = last
    await _ask(message, form, first, draft, move=True)


async def submit(callback: CallbackQuery, form: Form) -> None:
    """Send the card to the registry; a repeated press after a failure repeats the same request."""
    message = chat_message(callback)
    if message is None:
        await stale(callback)
        return
    draft = await form.draft()
    problem = forms.recheck(draft, form.today())
    if problem is not None:
        await callback.answer()
        step, error = problem
        draft.return_to = step
        await _ask(message, form, step, draft, error=error, move=True)
        return
    if draft.idempotency_key is None:
        draft.idempotency_key = str(uuid.uuid4())
        await form.save(draft)
    await callback.answer(texts.submitting())
    user = callback.from_user.id
    body = forms.to_body(draft, language=form.language, telegram_user_id=user)
    try:
        card = await form.api.create_card(body, idempotency_key=draft.idempotency_key)
    except (Conflict, InvalidInput) as exc:
        await _refused(message, form, draft, exc)
        return
    await form.state.clear()
    await drop_buttons(callback)
    if not draft.family:  # from now on this person's card is the default everywhere
        await form.profiles.set_self_person(user, card.person_id)
    markup = keyboards.after_registration(card)
    await message.answer(texts.registered(card, family=draft.family), reply_markup=markup)


async def _refused(
    message: Message, form: Form, draft: forms.Draft, exc: Conflict | InvalidInput
) -> None:
    if isinstance(exc, Conflict) and exc.reason == "consent-required":
        await _ask_consent(message)
        return
    if isinstance(exc, Conflict) and exc.reason == "open-card-exists":
        await form.state.clear()
        await message.answer(texts.open_card_exists())
        return
    if isinstance(exc, Conflict) and not exc.errors:  # a race in the registry: retry is safe
        await message.answer(texts.try_later() + " " + texts.answers_kept())
        return
    step = forms.step_for_api_field(exc.errors[0].field)
    intro = texts.document_taken() if isinstance(exc, Conflict) else texts.refused_by_registry()
    draft.return_to = step
    draft.idempotency_key = None
    await _ask(message, form, step, draft, intro=intro, move=True)


def _step(state: str | None) -> str | None:
    if not in_registration(state):
        return None
    step = str(state).removeprefix(GROUP + ":")
    return step if step in STEP_STATES else None
