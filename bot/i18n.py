"""Translations: aiogram's gettext I18n over the ``bot`` domain of locales/<lang>/LC_MESSAGES.

Use ``_("Hello, {name}!").format(name=...)``: a literal msgid, formatting after translation.
``N_`` only marks a msgid for extraction (tables of labels translated where they are shown);
``Text`` declares a fixed text once, translated each time it is said.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from aiogram.utils.i18n import gettext as _

from bot.api import ServiceUnavailable
from bot.profiles import ProfileStore

log = logging.getLogger("onboard.bot")

DOMAIN = "bot"
LANGUAGES = ("ru", "en", "uz", "tg", "ky", "kk")
# Each language named in itself: the language menu must be readable whatever is chosen now.
NATIVE_NAMES = {
    "ru": "Русский",
    "en": "English",
    "uz": "Oʻzbekcha",
    "tg": "Тоҷикӣ",
    "ky": "Кыргызча",
    "kk": "Қазақша",
}

__all__ = [
    "LANGUAGES",
    "NATIVE_NAMES",
    "N_",
    "CataloguesMissing",
    "LocaleMiddleware",
    "Text",
    "_",
    "make_i18n",
    "pick",
]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    return message


@dataclass(frozen=True)
class Text:
    """A text without values: ``greeting = Text("Hello!")`` declares it (pybabel extracts
    ``Text`` like ``_``, see bot/babel.cfg), ``greeting()`` says it in the current language."""

    msgid: str

    def __call__(self) -> str:
        return _(self.msgid)


class CataloguesMissing(RuntimeError):
    """The compiled catalogues (.mo) are not there: `make catalogues` builds them."""


def make_i18n(locales_dir: Path, default_locale: str) -> I18n:
    try:
        i18n = I18n(path=locales_dir, default_locale=default_locale, domain=DOMAIN)
    except (OSError, RuntimeError) as exc:  # no directory, or a .po without its .mo
        raise CataloguesMissing(f"bot catalogues not usable in {locales_dir}: {exc}") from exc
    missing = set(LANGUAGES) - set(i18n.available_locales)
    if missing:
        raise CataloguesMissing(
            f"bot catalogues not compiled for {', '.join(sorted(missing))} in {locales_dir}: "
            "run `make catalogues`"
        )
    return i18n


def pick(language_code: str | None, default: str) -> str:
    """One of our languages from Telegram's code ("uz", "uz-UZ", "ru-RU"), else the default."""
    if not language_code:
        return default
    base = language_code.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else default


class LocaleMiddleware(I18nMiddleware):
    """The language kept in the service profile; on first contact, Telegram's language.

    Also puts the (cached) profile into the handler data as ``profile`` (None when the
    service cannot be reached).
    """

    def __init__(self, i18n: I18n, profiles: ProfileStore) -> None:
        super().__init__(i18n=i18n)
        self.profiles = profiles

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("event_from_user")
        data["profile"] = None
        if user is None:
            return self.i18n.default_locale
        first = pick(user.language_code, self.i18n.default_locale)
        try:
            profile = await self.profiles.get(user.id)
            if profile is None:
                # First contact: the phone's language is kept with the account (and the
                # people it registers), so reminders and content follow it too.
                profile = await self.profiles.set_language(user.id, first)
        except ServiceUnavailable:
            profile = None  # still answer, in the phone's language
        data["profile"] = profile
        if profile is not None and profile.language in LANGUAGES:
            return profile.language
        return first
