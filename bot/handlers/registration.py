"""Registration: consent, one question per card field, confirmation with edits, submission.

Answers are personal data: they live in the FSM data only while the flow runs (with a TTL
enforced here and by Redis), and are cleared when it ends, whichever way it ends — except
when the service cannot be reached, so that the user can simply try again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import date
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.dispatcher.flags import get_flag
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject, User
from aiogram.utils.i18n import I18n

from bot import forms, keyboards, people, texts
from bot.api import Conflict, InvalidInput, Profile, ServiceClient
from bot.callbacks import ChoiceCB, ConfirmCB, ConsentCB, MenuCB, PageCB
from bot.config import BotSettings
from bot.handlers.common import chat_message, drop_buttons, replace, stale
from bot.profiles import ProfileStore, has_consent

Today = Callable[[], date]
EXPIRES_KEY = "_expires"
PROMPT_KEY = "_prompt"  # the message id of the question asked last (not personal data)
ECHOED = ("date_of_birth", "stay_from", "stay_until", "citizenship", "region")
IDEMPOTENCY_KEY = "_idem"


class Registration(StatesGroup):
    whom = State()  # for whom: the account holder or a family member
    surname = State()
    given_names = State()
    surname_latin = State()
    given_names_latin = State()
    date_of_birth = State()
    sex = State()
    citizenship = State()
    document_type = State()
    document_number = State()
    purpose = State()
    visa_number = State()
    stay_from = State()
    stay_until = State()
    host_kind = State()
    host_name = State()
    host_address = State()
    region = State()
    occupation = State()
    confirm = State()


STEP_STATES = [getattr(Registration, step) for step in forms.STEPS]
assert [s.state for s in STEP_STATES] == [f"Registration:{step}" for step in forms.STEPS]


def router() -> Router:
    r = Router(name="registration")
    r.message.middleware(Expiry())
    r.callback_query.middleware(Expiry())
    starts = {"starts_flow": True}
    r.message.register(begin, Command("register"), flags=starts)
    r.callback_query.register(begin_button, MenuCB.filter(F.action == "register"), flags=starts)
    r.callback_query.register(consent_answer, ConsentCB.filter())
    whom = StateFilter(Registration.whom)
    r.callback_query.register(whom_button, ChoiceCB.filter(F.field == "whom"), whom)
    r.message.register(whom_text, whom, F.text, ~F.text.startswith("/"))
    steps = StateFilter(*STEP_STATES)
    r.message.register(answer_text, steps, F.text, ~F.text.startswith("/"))
    r.message.register(answer_not_text, steps, ~F.text)
    r.callback_query.register(answer_button, ChoiceCB.filter(), steps)
    r.callback_query.register(
        region_page, PageCB.filter(F.field == "region"), StateFilter(Registration.region)
    )
    r.callback_query.register(
        cancel_button, ConfirmCB.filter(F.action == "cancel"), StateFilter(Registration)
    )
    confirm = StateFilter(Registration.confirm)
    r.callback_query.register(edit, ConfirmCB.filter(F.action == "edit"), confirm)
    r.callback_query.register(submit, ConfirmCB.filter(F.action == "submit"), confirm)
    return r


class Expiry(BaseMiddleware):
    """Answers left untouched longer than the TTL are deleted, whatever the storage."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        if state is not None and (await state.get_state() or "").startswith("Registration:"):
            expires = (await state.get_data()).get(EXPIRES_KEY, 0)
            if expires < time.time():
                await state.clear()
                if not get_flag(data, "starts_flow"):
                    await _tell_expired(event)
                    return None
        return await handler(event, data)


async def _tell_expired(event: TelegramObject) -> None:
    message = event
    if isinstance(event, CallbackQuery):
        await event.answer()
        message = event.message  # type: ignore[assignment]
    if isinstance(message, Message):
        await message.answer(texts.expired_session())


# ------------------------------------------------------------------------------ entry


async def begin(
    message: Message,
    event_from_user: User,
    state: FSMContext,
    profile: Profile | None,
    profiles: ProfileStore,
    settings: BotSettings,
    i18n: I18n,
    today: Today,
) -> None:
    """/register: continue a card in progress, ask for consent, or ask the first question."""
    if await _resume(message, state, i18n, today):
        return
    if not has_consent(profile):
        profile = await profiles.get(event_from_user.id, fresh=True)
    if not has_consent(profile):
        await message.answer(texts.need_consent())
        await message.answer(texts.consent_notice(), reply_markup=keyboards.consent())
        return
    await _start(message, state, settings, i18n, today)


async def begin_button(
    callback: CallbackQuery,
    state: FSMContext,
    profile: Profile | None,
    profiles: ProfileStore,
    settings: BotSettings,
    i18n: I18n,
    today: Today,
) -> None:
    """The menu's "fill in the card" button: as /register."""
    await callback.answer()
    message = chat_message(callback)
    if message is not None:
        await begin(message, callback.from_user, state, profile, profiles, settings, i18n, today)


async def consent_answer(
    callback: CallbackQuery,
    callback_data: ConsentCB,
    state: FSMContext,
    profile: Profile | None,
    profiles: ProfileStore,
    settings: BotSettings,
    i18n: I18n,
    today: Today,
) -> None:
    """Record consent (then go on with the card), or explain what works without it."""
    await callback.answer()
    message = chat_message(callback)
    if message is None:
        return
    if has_consent(profile) and not await state.get_state():
        await drop_buttons(callback)
        await message.answer(texts.consent_already(), reply_markup=keyboards.register_button())
        return
    if not callback_data.agree:
        await state.clear()  # no consent, no personal data kept
        await drop_buttons(callback)
        await message.answer(texts.consent_declined())
        return
    await profiles.record_consent(callback.from_user.id, i18n.current_locale)
    await drop_buttons(callback)
    await message.answer(texts.consent_thanks(), reply_markup=keyboards.reply_menu())
    if not await _resume(message, state, i18n, today, quiet=True):
        await _start(message, state, settings, i18n, today)


async def _start(
    message: Message, state: FSMContext, settings: BotSettings, i18n: I18n, today: Today
) -> None:
    data = {EXPIRES_KEY: time.time() + settings.bot_fsm_ttl_seconds}
    await state.set_data(data)
    await state.set_state(Registration.whom)
    await message.answer(texts.registration_intro())
    await message.answer(texts.whom_prompt(), reply_markup=keyboards.whom())


async def whom_button(
    callback: CallbackQuery,
    callback_data: ChoiceCB,
    state: FSMContext,
    api: ServiceClient,
    profile: Profile | None,
    i18n: I18n,
    today: Today,
) -> None:
    """For whom the card is: the account holder ("me") or a family member."""
    message = chat_message(callback)
    if callback_data.value not in forms.WHOM or message is None:
        await stale(callback)
        return
    await callback.answer()
    chosen = texts.whom_labels()[callback_data.value]
    await replace(callback, texts.whom_prompt() + f"\n➡️ <b>{texts.h(chosen)}</b>")
    await _whom(message, callback.from_user, callback_data.value, state, api, profile, i18n, today)


async def whom_text(
    message: Message,
    event_from_user: User,
    state: FSMContext,
    api: ServiceClient,
    profile: Profile | None,
    i18n: I18n,
    today: Today,
) -> None:
    """A typed answer to "for whom": a button's label counts as the button."""
    assert message.text is not None
    value = forms.match_label(message.text, texts.whom_labels())
    if value is None:
        error = "⚠️ " + texts.explain(forms.Invalid("use_buttons"))
        await message.answer(error + "\n\n" + texts.whom_prompt(), reply_markup=keyboards.whom())
        return
    await _whom(message, event_from_user, value, state, api, profile, i18n, today)


async def _whom(
    message: Message,
    user: User,
    value: str,
    state: FSMContext,
    api: ServiceClient,
    profile: Profile | None,
    i18n: I18n,
    today: Today,
) -> None:
    if value == "self":
        cards = await api.list_cards(user.id)
        own = people.self_person(cards, profile)
        if any(c.person_id == own and c.status in people.PROVABLE for c in cards):
            await state.clear()  # the holder's own card is open: no second one
            await message.answer(texts.already_have_card())
            return
    data = await state.get_data()
    data[forms.WHOM_KEY] = value
    await state.set_data(data)
    await state.set_state(STEP_STATES[0])
    await _ask(message, forms.first_step(), data, i18n, today, state=state)


async def repeat_question(
    message: Message, state: FSMContext, i18n: I18n, today: Today, *, help_first: bool
) -> bool:
    """In the middle of the form: help on the form, then its pending question again."""
    if await state.get_state() is None or not (await state.get_state() or "").startswith(
        "Registration:"
    ):
        return False
    if help_first:
        await message.answer(texts.form_help())
    return await _resume(message, state, i18n, today, quiet=True)


async def _resume(
    message: Message, state: FSMContext, i18n: I18n, today: Today, *, quiet: bool = False
) -> bool:
    current = await state.get_state()
    if current == Registration.whom.state:
        await message.answer(texts.whom_prompt(), reply_markup=keyboards.whom())
        return True
    if current == Registration.confirm.state:
        await _confirm(message, state, await state.get_data(), i18n)
        return True
    step = _step(current)
    if step is None:
        return False
    if not quiet:
        await message.answer(texts.registration_resumed())
    await _ask(message, step, await state.get_data(), i18n, today, state=state)
    return True


# ------------------------------------------------------------------------------ answers


async def answer_text(
    message: Message, state: FSMContext, settings: BotSettings, i18n: I18n, today: Today
) -> None:
    """A typed answer to the current question: checked, kept, and the next question asked."""
    step = _step(await state.get_state())
    data = await state.get_data()
    assert step is not None and message.text is not None
    try:
        typed = forms.match_label(message.text, texts.button_labels(step, data))
        if typed is not None:  # a button's label typed instead of pressed
            value = forms.parse_choice(step, typed, data, today())
        else:
            value = forms.parse_text(step, message.text, data, today())
    except forms.Ambiguous as exc:
        markup = keyboards.candidates(step, exc.candidates, i18n.current_locale)
        await message.answer(texts.which_one(), reply_markup=markup)
        return
    except forms.Invalid as exc:
        await _ask(message, step, data, i18n, today, error=exc, state=state)
        return
    # What a typed date, country or region was read as, so nothing is guessed silently.
    echo = texts.read_as(step, value, i18n.current_locale) if step in ECHOED else None
    await _advance(message, state, step, value, settings, i18n, today, intro=echo)


async def answer_not_text(message: Message, state: FSMContext, i18n: I18n, today: Today) -> None:
    """A photo, sticker or the like where a text answer is expected."""
    step = _step(await state.get_state())
    assert step is not None
    error = forms.Invalid("not_text")
    await _ask(message, step, await state.get_data(), i18n, today, error=error, state=state)


async def answer_button(
    callback: CallbackQuery,
    callback_data: ChoiceCB,
    state: FSMContext,
    settings: BotSettings,
    i18n: I18n,
    today: Today,
) -> None:
    """An answer picked from buttons (a code, a quick date, or "skip")."""
    step = _step(await state.get_state())
    message = chat_message(callback)
    if step != callback_data.field or message is None:
        await stale(callback)
        return
    data = await state.get_data()
    if callback_data.value == forms.TYPE and step.endswith("_latin"):
        await callback.answer()  # "I'll type it": the question without the Latin form shown
        await replace(callback, texts.latin_typing_prompt(step, data), keyboards.cancel_only())
        return
    try:
        value = forms.parse_choice(step, callback_data.value, data, today())
    except forms.Invalid as exc:
        await callback.answer(texts.explain(exc, data), show_alert=True)
        return
    await callback.answer()
    await state.update_data({PROMPT_KEY: None})  # its buttons go with the edit below
    chosen = texts.answer_value(step, value, i18n.current_locale)
    await replace(callback, texts.prompt(step, data) + f"\n➡️ <b>{texts.h(chosen)}</b>")
    await _advance(message, state, step, value, settings, i18n, today)


async def region_page(callback: CallbackQuery, callback_data: PageCB) -> None:
    """Another page of the list of all regions."""
    await callback.answer()
    message = chat_message(callback)
    if message is not None:
        await message.edit_reply_markup(reply_markup=keyboards.region_page(callback_data.page))


async def _advance(
    message: Message,
    state: FSMContext,
    step: str,
    value: Any,
    settings: BotSettings,
    i18n: I18n,
    today: Today,
    *,
    intro: str | None = None,
) -> None:
    data = await state.get_data()
    data[step] = value
    data.pop(IDEMPOTENCY_KEY, None)  # another body: another request
    data[EXPIRES_KEY] = time.time() + settings.bot_fsm_ttl_seconds
    following = forms.next_step(step, data)
    if following is None:
        data.pop(forms.RETURN_KEY, None)
        await _confirm(message, state, data, i18n)
        return
    await state.set_data(data)
    await state.set_state(getattr(Registration, following))
    await _ask(message, following, data, i18n, today, intro=intro, state=state)


async def _ask(
    message: Message,
    step: str,
    data: dict[str, Any],
    i18n: I18n,
    today: Today,
    *,
    error: forms.Invalid | None = None,
    intro: str | None = None,
    state: FSMContext | None = None,
) -> None:
    text = texts.prompt(step, data)
    if error is not None:
        text = "⚠️ " + texts.explain(error, data) + "\n\n" + text
    if intro is not None:
        text = intro + "\n\n" + text
    markup = keyboards.step(step, data, i18n.current_locale, today())
    if state is not None:
        await _tidy(message, state)
    sent = await message.answer(text, reply_markup=markup)
    if state is not None:
        await state.update_data({PROMPT_KEY: sent.message_id})


async def _tidy(message: Message, state: FSMContext) -> None:
    """Take the buttons off the previous question (answered by typing, or asked again), so
    the chat keeps no live-looking buttons behind."""
    prompt = (await state.get_data()).get(PROMPT_KEY)
    if isinstance(prompt, int) and message.bot is not None:
        with suppress(TelegramAPIError):
            await message.bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=prompt, reply_markup=None
            )


async def _confirm(message: Message, state: FSMContext, data: dict[str, Any], i18n: I18n) -> None:
    await state.set_data(data)
    await state.set_state(Registration.confirm)
    markup = keyboards.confirm(texts.edit_labels())
    await message.answer(texts.summary(data, i18n.current_locale), reply_markup=markup)


# ------------------------------------------------------------------------------ confirmation


async def cancel_button(callback: CallbackQuery, state: FSMContext) -> None:
    """Stop the registration and delete the answers."""
    await state.clear()
    await callback.answer()
    await drop_buttons(callback)
    message = chat_message(callback)
    if message is not None:
        await message.answer(texts.cancelled())


async def edit(
    callback: CallbackQuery,
    callback_data: ConfirmCB,
    state: FSMContext,
    i18n: I18n,
    today: Today,
) -> None:
    """Ask again the questions of one part of the card, then come back to the summary."""
    group = forms.EDIT_GROUPS.get(callback_data.step)
    message = chat_message(callback)
    if group is None or message is None:
        await stale(callback)
        return
    await callback.answer()
    await drop_buttons(callback)
    first, last = group
    data = await state.get_data()
    data[forms.RETURN_KEY] = last
    await _goto(message, state, first, data, i18n, today)


async def _goto(
    message: Message,
    state: FSMContext,
    step: str,
    data: dict[str, Any],
    i18n: I18n,
    today: Today,
    *,
    error: forms.Invalid | None = None,
    intro: str | None = None,
) -> None:
    await state.set_data(data)
    await state.set_state(getattr(Registration, step))
    await _ask(message, step, data, i18n, today, error=error, intro=intro, state=state)


async def submit(
    callback: CallbackQuery,
    state: FSMContext,
    api: ServiceClient,
    profiles: ProfileStore,
    i18n: I18n,
    today: Today,
) -> None:
    """Send the card to the registry; a repeated press after a failure repeats the same request."""
    message = chat_message(callback)
    if message is None:
        await stale(callback)
        return
    data = await state.get_data()
    problem = forms.recheck(data, today())
    if problem is not None:
        await callback.answer()
        step, error = problem
        data[forms.RETURN_KEY] = step
        await _goto(message, state, step, data, i18n, today, error=error)
        return
    if IDEMPOTENCY_KEY not in data:
        data[IDEMPOTENCY_KEY] = str(uuid.uuid4())
        await state.set_data(data)
    await callback.answer(texts.submitting())
    body = forms.to_body(data, language=i18n.current_locale, telegram_user_id=callback.from_user.id)
    try:
        card = await api.create_card(body, idempotency_key=data[IDEMPOTENCY_KEY])
    except (Conflict, InvalidInput) as exc:
        await _refused(message, state, data, exc, i18n, today)
        return
    await state.clear()
    await drop_buttons(callback)
    family = forms.is_family(data)
    if not family:  # from now on this person's card is the default everywhere
        await profiles.set_self_person(callback.from_user.id, card.person_id)
    markup = keyboards.after_registration(card)
    await message.answer(texts.registered(card, family=family), reply_markup=markup)


async def _refused(
    message: Message,
    state: FSMContext,
    data: dict[str, Any],
    exc: Conflict | InvalidInput,
    i18n: I18n,
    today: Today,
) -> None:
    if isinstance(exc, Conflict) and exc.reason == "consent-required":
        await message.answer(texts.need_consent())
        await message.answer(texts.consent_notice(), reply_markup=keyboards.consent())
        return
    if isinstance(exc, Conflict) and exc.reason == "open-card-exists":
        await state.clear()
        await message.answer(texts.open_card_exists())
        return
    if isinstance(exc, Conflict) and not exc.errors:  # a race in the registry: retry is safe
        await message.answer(texts.try_later() + " " + texts.answers_kept())
        return
    first = exc.errors[0]
    step = forms.step_for_api_field(first.field, first.reason)
    intro = texts.document_taken() if isinstance(exc, Conflict) else texts.refused_by_registry()
    data[forms.RETURN_KEY] = step
    data.pop(IDEMPOTENCY_KEY, None)
    await _goto(message, state, step, data, i18n, today, intro=intro)


def _step(state: str | None) -> str | None:
    if not state or not state.startswith("Registration:"):
        return None
    step = state.removeprefix("Registration:")
    return step if step in forms.STEPS else None
