"""/course: modules with progress marks, lessons page by page, quizzes scored by the service.

Each answer goes to the service at once: the screen that follows says whether it was right,
the right option and why, above the next question (or the result after the last one).

Progress belongs to a person (a card's holder); an account with several people's cards picks
whose progress it is. ``person`` in callback data is that person's place in the account's
card list, oldest first, which only grows.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, User
from aiogram.utils.i18n import I18n

from bot import keyboards, people, quiz, texts
from bot.api import NotFound, Profile, ServiceClient
from bot.callbacks import AnswerCB, CourseCB, MenuCB
from bot.handlers.common import chat_message, page_screen, replace, stale


def router() -> Router:
    r = Router(name="course")
    r.message.register(course_command, Command("course"))
    r.callback_query.register(course_button, MenuCB.filter(F.action == "course"))
    r.callback_query.register(module_list, CourseCB.filter(F.action == "list"))
    r.callback_query.register(lesson_page, CourseCB.filter(F.action == "page"))
    r.callback_query.register(quiz_start, CourseCB.filter(F.action == "quiz"))
    r.callback_query.register(quiz_answer, AnswerCB.filter())
    return r


async def course_command(
    message: Message, event_from_user: User, api: ServiceClient, i18n: I18n, profile: Profile | None
) -> None:
    """The module list with the account holder's own progress marks."""
    text, markup = await _outline(event_from_user, None, api, i18n, profile)
    await message.answer(text, reply_markup=markup)


async def course_button(
    callback: CallbackQuery, api: ServiceClient, i18n: I18n, profile: Profile | None
) -> None:
    """The menu's course button: as /course."""
    await callback.answer()
    message = chat_message(callback)
    if message is not None:
        text, markup = await _outline(callback.from_user, None, api, i18n, profile)
        await message.answer(text, reply_markup=markup)


async def module_list(
    callback: CallbackQuery,
    callback_data: CourseCB,
    api: ServiceClient,
    i18n: I18n,
    profile: Profile | None,
) -> None:
    """Back to the module list (or another person's progress)."""
    await callback.answer()
    text, markup = await _outline(callback.from_user, callback_data.person, api, i18n, profile)
    await replace(callback, text, markup)


async def lesson_page(
    callback: CallbackQuery, callback_data: CourseCB, api: ServiceClient, i18n: I18n
) -> None:
    """One page of a lesson, with previous/next, and the quiz after the last page."""
    card_id = await _card_of(callback.from_user, callback_data.person, api)
    # Long pages shown as several short screens (cut between paragraphs).
    shown = await page_screen(
        callback, api.module(callback_data.slug, i18n.current_locale, card_id), callback_data.page
    )
    if shown is None:
        return
    module, text, count = shown
    can_quiz = bool(module.questions)
    markup = keyboards.lesson(
        module.slug, callback_data.page, count, callback_data.person, can_quiz
    )
    await replace(callback, text, markup)


async def quiz_start(
    callback: CallbackQuery,
    callback_data: CourseCB,
    state: FSMContext,
    api: ServiceClient,
    i18n: I18n,
) -> None:
    """Begin (or retry) a module's quiz: the first question with its answer buttons."""
    person_id = await _person(callback.from_user, callback_data.person, api)
    if person_id is None:
        await callback.answer()
        await replace(callback, texts.quiz_needs_card(), keyboards.register_button())
        return
    card_id = await _card_of(callback.from_user, callback_data.person, api)
    try:
        module = await api.module(callback_data.slug, i18n.current_locale, card_id)
    except NotFound:
        await stale(callback)
        return
    progress = await api.progress(person_id)
    tried = any(m.slug == module.slug and m.attempts for m in progress.modules)
    # A retry shows the questions and their options in another order (the service scores
    # by the authored order: answers are mapped back before they are sent).
    questions = quiz.arrange(
        [{"id": q.id, "text": q.text, "options": q.options} for q in module.questions],
        shuffle=tried,
    )
    await quiz.save(
        state,
        {
            "slug": module.slug,
            "title": module.title,
            "person": str(person_id),
            "person_index": callback_data.person,
            "questions": questions,
            "answers": [],
            "completed_before": progress.completed,
        },
    )
    await callback.answer()
    await _ask(callback, module.slug, module.title, questions, 0)


async def quiz_answer(
    callback: CallbackQuery,
    callback_data: AnswerCB,
    state: FSMContext,
    api: ServiceClient,
    i18n: I18n,
) -> None:
    """Send the answer to the service and show at once whether it is right, the right
    option and why; above the next question, or above the result after the last one."""
    current = await quiz.load(state)
    answers: list[int] = list(current.get("answers", []))
    questions = current.get("questions", [])
    if (
        current.get("slug") != callback_data.slug
        or callback_data.question != len(answers)
        or callback_data.question >= len(questions)
        or not 0 <= callback_data.option < len(questions[callback_data.question]["options"])
    ):
        await stale(callback)
        return
    question = questions[callback_data.question]
    answers.append(callback_data.option)  # as displayed
    try:
        feedback = await api.answer(
            uuid.UUID(current["person"]),
            current["slug"],
            str(question["id"]),
            quiz.authored_option(question, callback_data.option),
            i18n.current_locale,
        )
    except NotFound:  # the course changed since the quiz began
        await quiz.clear(state)
        await stale(callback)
        return
    await callback.answer()
    shown = texts.quiz_feedback(feedback, quiz.by_id(questions)[str(question["id"])]["options"])
    result = feedback.result
    if result is None and len(answers) < len(questions):
        await quiz.save(state, {**current, "answers": answers})
        await _ask(callback, current["slug"], current["title"], questions, len(answers), shown)
        return
    await quiz.clear(state)
    if result is None:  # the service counts a question the screen did not: start again
        await stale(callback)
        return
    markup = keyboards.quiz_done(current["slug"], result.passed, current["person_index"])
    text = shown + "\n\n" + texts.quiz_result(result, quiz.by_id(questions))
    await replace(callback, text, markup)
    if result.course_completed and not current.get("completed_before"):
        message = chat_message(callback)
        if message is not None:
            await message.answer(texts.course_completed())


async def _ask(
    callback: CallbackQuery,
    slug: str,
    title: str,
    questions: list[dict[str, Any]],
    index: int,
    feedback: str = "",
) -> None:
    """Question ``index`` with its answer buttons, below the feedback on the last answer."""
    question = questions[index]
    options = [str(o) for o in question["options"]]
    text = texts.quiz_question(title, index, len(questions), str(question["text"]), options)
    text = f"{feedback}\n\n{text}" if feedback else text
    await replace(callback, text, keyboards.answers(slug, index, len(options)))


async def _persons(
    user: User, api: ServiceClient, profile: Profile | None = None
) -> tuple[list[tuple[uuid.UUID, str, uuid.UUID]], int]:
    """The account's people (in the order their first card was registered, named in full,
    the holder marked "you"), each with their latest card (whose regime picks the modules),
    and the index of the one shown by default."""
    cards = await api.list_cards(user.id)
    order = people.persons(cards)
    first = {c.person_id: c for c in reversed(cards)}
    latest = {c.person_id: c for c in cards}
    names = texts.card_labels(list(first.values()), cards, profile)
    named = [(person, names[str(first[person].id)], latest[person].id) for person in order]
    default = people.default_person(cards, profile)
    return named, order.index(default) if default in order else 0


async def _person(user: User, index: int, api: ServiceClient) -> uuid.UUID | None:
    persons, _default = await _persons(user, api)
    return persons[index][0] if 0 <= index < len(persons) else None


async def _card_of(user: User, index: int, api: ServiceClient) -> uuid.UUID | None:
    """The card whose regime decides which modules the person at ``index`` is taught."""
    persons, _default = await _persons(user, api)
    return persons[index][2] if 0 <= index < len(persons) else None


async def _outline(
    user: User, index: int | None, api: ServiceClient, i18n: I18n, profile: Profile | None
) -> tuple[str, keyboards.InlineKeyboardMarkup]:
    persons, default = await _persons(user, api, profile)
    index = index if index is not None and 0 <= index < len(persons) else default
    outline = await api.course(i18n.current_locale, persons[index][2] if persons else None)
    progress = await api.progress(persons[index][0]) if persons else None
    holder = persons[index][1] if persons else None
    text = texts.course_header(progress, holder)
    markup = keyboards.modules(outline.modules, progress, index, [p[1] for p in persons])
    return text, markup
