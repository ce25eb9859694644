"""The persistent keyboard under the chat ("🪪 QR" and the main actions), and free text that
asks for the QR or the card in any of the six languages.

Before the flows, so that the QR is one tap away even in the middle of a form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, User
from aiogram.utils.i18n import I18n, get_i18n

from bot import texts
from bot.api import Profile, ServiceClient
from bot.handlers import card, checklist, course, guide, start

# "QR", "QR kod kerak", "мой QR-код", "картамни кўрсат", "корти ман", "my card"… The words
# for a card in the six languages, in Latin and Cyrillic script.
_WANTS_CARD = re.compile(r"(?<!\w)(qr|кюар|куар|card|kart\w*|карт\w*|корт\w*)", re.IGNORECASE)
_LONGEST_ASK = 60
_LONGEST_LABEL = 40  # a long message is something else (a question about the law, say)


def router() -> Router:
    r = Router(name="menu")
    r.message.register(reply_button, _reply_action)
    return r


def _reply_action(message: Message) -> dict[str, str] | bool:
    """The action of a persistent keyboard button (its label in the current language)."""
    text = message.text
    if not text or len(text) > _LONGEST_LABEL:
        return False
    action = _actions(get_i18n().current_locale).get(text.strip())
    return {"action": action} if action else False


@lru_cache(maxsize=16)
def _actions(_language: str) -> dict[str, str]:
    return {label: action for action, label in texts.reply_labels().items()}


def wants_card(text: str | None) -> bool:
    """Free text that asks for the QR code or the card."""
    return bool(text) and len(text or "") <= _LONGEST_ASK and bool(_WANTS_CARD.search(text or ""))


async def reply_button(
    message: Message,
    action: str,
    event_from_user: User,
    api: ServiceClient,
    profile: Profile | None,
    i18n: I18n,
    state: FSMContext,
    today: Callable[[], date],
    **_: Any,
) -> None:
    """A persistent keyboard button: the QR, the deadlines, the course, the guide or help."""
    if action == "card":
        await card.show_cards(message, event_from_user, api, profile)
    elif action == "checklist":
        await checklist.checklist_command(message, event_from_user, api, i18n, today, profile)
    elif action == "course":
        await course.course_command(message, event_from_user, api, i18n, profile)
    elif action == "guide":
        await guide.guide_command(message, api, i18n)
    else:
        await start.help_command(message, state, i18n, today)
