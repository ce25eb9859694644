"""Callback data of every inline button: typed classes, never hand-split strings.

Telegram allows 64 bytes; a UUID is 36, so prefixes and field values stay short.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MenuCB(CallbackData, prefix="m"):
    """Main menu: register, card, course, guide, language, help."""

    action: str


class LanguageCB(CallbackData, prefix="lang"):
    code: str


class ConsentCB(CallbackData, prefix="consent"):
    agree: bool


class ChoiceCB(CallbackData, prefix="reg"):
    """An answer to the registration step ``field`` picked from buttons ("-" skips)."""

    field: str
    value: str


class PageCB(CallbackData, prefix="regp"):
    """A page of a long list of choices (regions) at the step ``field``."""

    field: str
    page: int


class ConfirmCB(CallbackData, prefix="regc"):
    """The confirmation screen: ``submit``, ``cancel`` or ``edit`` with the step to change."""

    action: str
    step: str = ""


class CardCB(CallbackData, prefix="card"):
    """``show`` a card with its QR, ``refresh`` the QR, or send it as a PDF to ``print``."""

    action: str
    card_id: str


class CourseCB(CallbackData, prefix="crs"):
    """``list`` modules, ``page`` of a lesson, ``quiz`` start, ``person`` whose progress."""

    action: str
    slug: str = ""
    page: int = 0
    person: int = 0


class AnswerCB(CallbackData, prefix="qa"):
    """An answer to question ``question`` (0-based) of the quiz of module ``slug``."""

    slug: str
    question: int
    option: int


class GuideCB(CallbackData, prefix="gd"):
    slug: str = ""
    page: int = 0


class ChecklistCB(CallbackData, prefix="cl"):
    """The arrival checklist of card ``card`` (its number): ``show`` it, ask ``when`` item
    ``item`` was done (dates from ``days`` back), mark it done ``on`` today minus ``days``,
    ``mute`` or ``unmute`` the card's reminders."""

    action: str
    card: str
    item: str = ""
    days: int = 0
