"""A quiz in progress: the answers so far, kept apart from the registration's FSM data.

It lives under its own FSM destiny, so /cancel or the end of a registration (which clear the
default destiny) do not lose it, and it never mixes with personal data.
"""

from __future__ import annotations

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
