"""A whole registration as a user goes through it, in English, with overridable answers."""

from __future__ import annotations

import random
from typing import Any

from tests.bot.client import Chat

# (step, how, answer): "say" types the answer, "press" presses the button labelled so.
ENGLISH_ANSWERS: list[tuple[str, str, str]] = [
    ("surname", "say", "Каримов"),
    ("given_names", "say", "Шухрат"),
    ("surname_latin", "press", "Correct"),
    ("given_names_latin", "press", "Correct"),
    ("date_of_birth", "say", "01.05.1990"),
    ("sex", "press", "Male"),
    ("citizenship", "press", "Uzbekistan"),
    ("document_type", "press", "Passport"),
    ("document_number", "say", "FA"),  # completed with random digits
    ("purpose", "press", "Work"),
    ("visa_number", "press", "Skip"),
    ("stay_from", "press", "Today"),
    ("stay_until", "press", "90 days"),
    ("host_kind", "press", "An organisation"),
    ("host_name", "say", "ООО «Стройка»"),
    ("host_address", "say", "Москва, ул. Ленина, 1"),
    ("region", "press", "Moscow"),
    ("occupation", "say", "builder"),
]


def document_number() -> str:
    return "FA" + "".join(random.choices("0123456789", k=8))


async def answer(chat: Chat, how: str, value: str) -> None:
    if how == "say":
        await chat.say(value)
    else:
        await chat.press(value)


async def begin(chat: Chat, *, consent: bool = True, whom: str = "Me") -> None:
    """/register, consent when asked, and the answer to "for whom"."""
    await chat.say("/register")
    if consent and any("I agree" in b for b in chat.buttons()):
        await chat.press("I agree")
    await chat.press(whom)


async def fill_until(
    chat: Chat, stop: str | None = None, *, start: str | None = None, **overrides: Any
) -> dict[str, str]:
    """Answer the questions from ``start`` (the first) up to, not including, ``stop`` (the end)."""
    given: dict[str, str] = {}
    started = start is None
    for step, how, value in ENGLISH_ANSWERS:
        started = started or step == start
        if step == stop:
            break
        if not started:
            continue
        if step in overrides:
            how, value = overrides[step]
        elif step == "document_number":
            value = document_number()
        given[step] = value
        await answer(chat, how, value)
    return given


async def register(
    chat: Chat, *, consent: bool = True, whom: str = "Me", **overrides: Any
) -> dict[str, str]:
    """/register (with consent when asked), for whom (the user, or "A family member"), every
    answer, then Confirm."""
    await begin(chat, consent=consent, whom=whom)
    given = await fill_until(chat, **overrides)
    await chat.press("Confirm")
    return given
