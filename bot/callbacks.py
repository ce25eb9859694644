"""Callback data of every inline button: typed classes, never hand-split strings.

Telegram allows 64 bytes; a UUID is 36, so prefixes and field values stay short.
"""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# Every field has a strict shape: a forged button that does not fit is not unpacked at all
# (the filter fails and the catch-all answers "out of date"), so nothing from callback data
# reaches a request path unchecked.
Word = Annotated[str, Field(pattern=r"^[a-z_]{1,24}$")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9-]{0,40}$")]
CardNumber = Annotated[str, Field(pattern=r"^[0-9A-Z]{5}-[0-9A-Z]{5}$")]
CardId = Annotated[
    str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
Value = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.+=-]{1,24}$")]
Small = Annotated[int, Field(ge=0, le=10_000)]


class MenuCB(CallbackData, prefix="m"):
    """Main menu: register, card, course, guide, language, help."""

    action: Word


class LanguageCB(CallbackData, prefix="lang"):
    code: Annotated[str, Field(pattern=r"^[a-z]{2}$")]


class ConsentCB(CallbackData, prefix="consent"):
    agree: bool


class ChoiceCB(CallbackData, prefix="reg"):
    """An answer to the registration step ``field`` picked from buttons ("-" skips)."""

    field: Word
    value: Value


class PageCB(CallbackData, prefix="regp"):
    """A page of a long list of choices (regions) at the step ``field``."""

    field: Word
    page: Small


class ConfirmCB(CallbackData, prefix="regc"):
    """The confirmation screen: ``submit``, ``cancel`` or ``edit`` with the step to change."""

    action: Word
    step: Annotated[str, Field(pattern=r"^[a-z_]{0,24}$")] = ""


class CardCB(CallbackData, prefix="card"):
    """``show`` a card with its QR, ``refresh`` the QR, or send it as a PDF to ``print``."""

    action: Word
    card_id: CardId


class CourseCB(CallbackData, prefix="crs"):
    """``list`` modules, ``page`` of a lesson, ``quiz`` start, ``person`` whose progress."""

    action: Word
    slug: Slug = ""
    page: Small = 0
    person: Small = 0


class AnswerCB(CallbackData, prefix="qa"):
    """An answer to question ``question`` (0-based) of the quiz of module ``slug``."""

    slug: Slug
    question: Small
    option: Small


class GuideCB(CallbackData, prefix="gd"):
    slug: Slug = ""
    page: Small = 0


class ChecklistCB(CallbackData, prefix="cl"):
    """The arrival checklist of card ``card`` (its number): ``show`` it, ask ``when`` item
    ``item`` was done (dates from ``days`` back), mark it done ``on`` today minus ``days``,
    ``mute`` or ``unmute`` the card's reminders."""

    action: Word
    card: CardNumber
    item: Slug = ""
    days: Small = 0


class PermitCB(CallbackData, prefix="pt"):
    """The patent of card ``card`` (its number): ``issue`` asks the issue day (dates from
    ``days`` back), ``issued`` records it (today minus ``days``) and asks the paid-until
    day; ``pay`` asks the day of a payment, ``paid`` asks its months, ``months`` records it.
    The patent itself is looked up from the card: no id travels in a button."""

    action: Word
    card: CardNumber
    days: Small = 0
    months: Small = 0
