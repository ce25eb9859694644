"""Translations of the service's own user-facing strings (problem titles).

Strings are marked where they are written with ``N_`` (a no-op, so ``errors`` imports
nothing) and translated when a response is made, in the language the client asked for
(``Accept-Language``; English when none of ours is asked for). Catalogues:
``locales/<lang>/LC_MESSAGES/service.po``, compiled to ``.mo`` by ``make locales``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel.support import NullTranslations

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "service"
# The languages of the service, the course, the checklist and the bot's profiles: defined here.
LANGUAGES = ("ru", "en", "uz", "tg", "ky", "kk")
DEFAULT_LANGUAGE = "ru"
_MAX_HEADER = 512


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, when the language is known."""
    return message


def accept_language(header: str | None) -> list[str]:
    """Language tags from an Accept-Language header, most preferred first (q=0 dropped)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header[:_MAX_HEADER].split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag or len(tag) > 35:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if 0 < q <= 1:
            weighted.append((-q, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def requested(lang: str | None, header: str | None) -> list[str]:
    """What a request asks for, most preferred first: ``?lang=`` if given, else the
    Accept-Language header by its q-values."""
    return [lang] if lang else accept_language(header)


def pick(
    wanted: Sequence[str],
    *,
    available: Collection[str] = LANGUAGES,
    default: str = DEFAULT_LANGUAGE,
) -> tuple[str, bool]:
    """(language served, fell back?) for language tags in order of preference.

    No preference (or ``*`` before any of ours) gives ``default`` without a fallback;
    preferences none of which we have give Russian and say so. Only the primary subtag
    counts (``uz-Cyrl`` is ``uz``).
    """
    for tag in wanted:
        if tag == "*":
            return default, False
        primary = tag.lower().replace("_", "-").split("-", 1)[0]
        if primary in available:
            return primary, False
    return (DEFAULT_LANGUAGE, True) if wanted else (default, False)


def negotiate(header: str | None) -> str | None:
    """The first of our languages the client accepts, or None (problem titles)."""
    tags = [tag for tag in accept_language(header) if tag != "*"]
    language, fell_back = pick(tags)
    return language if tags and not fell_back else None


def translate(message: str, language: str | None) -> str:
    if not language:
        return message
    return _translations(language).gettext(message)


@lru_cache(maxsize=len(LANGUAGES))
def _translations(language: str) -> NullTranslations:
    from babel.support import Translations  # here: errors imports this module, keep it light

    return Translations.load(str(LOCALES_DIR), [language], DOMAIN)
