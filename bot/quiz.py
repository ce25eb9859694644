"""A quiz in progress: the answers so far, kept apart from the registration's FSM data.

It lives under its own FSM destiny, so /cancel or the end of a registration (which clear the
default destiny) do not lose it, and it never mixes with personal data.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from aiogram.fsm.context import FSMContext

DESTINY = "quiz"


def context(state: FSMContext) -> FSMContext:
    return FSMContext(storage=state.storage, key=replace(state.key, destiny=DESTINY))


async def load(state: FSMContext) -> dict[str, Any]:
    return await context(state).get_data()


async def save(state: FSMContext, data: dict[str, Any]) -> None:
    await context(state).set_data(data)


async def clear(state: FSMContext) -> bool:
    """Forget the quiz in progress; True when there was one."""
    quiz = context(state)
    had = bool(await quiz.get_data())
    await quiz.clear()
    return had


def arrange(questions: list[dict[str, Any]], *, shuffle: bool) -> list[dict[str, Any]]:
    """The questions as they will be shown: each keeps its place in the module (``at``) and,
    for each option shown, the option's authored index (``order``)."""
    shown = []
    for at, question in enumerate(questions):
        order = list(range(len(question["options"])))
        if shuffle:
            random.shuffle(order)
        options = [question["options"][i] for i in order]
        shown.append({**question, "at": at, "order": order, "options": options})
    if shuffle:
        random.shuffle(shown)
    return shown


def authored_option(question: dict[str, Any], displayed: int) -> int:
    """The authored index of the option shown at ``displayed``."""
    order = question.get("order") or list(range(len(question["options"])))
    return int(order[displayed])


def authored_answers(shown: list[dict[str, Any]], answers: list[int]) -> list[int]:
    """The answers in the module's order, each as the authored option's index."""
    authored = [0] * len(shown)
    for question, chosen in zip(shown, answers, strict=True):
        authored[int(question.get("at", 0))] = int(question.get("order", [])[chosen])
    return authored


def by_id(shown: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each question by id, with its options in the authored order again."""
    result = {}
    for question in shown:
        options = [""] * len(question["options"])
        for displayed, authored in enumerate(question["order"]):
            options[authored] = question["options"][displayed]
        result[str(question["id"])] = {"text": question["text"], "options": options}
    return result
