"""Texts every feature uses: formatting of values, the menu, errors, languages."""

from __future__ import annotations

from datetime import date
from html import escape

from bot.i18n import Text, _


def escape_html(value: object) -> str:
    return escape(str(value), quote=False)


def fmt_date(iso: str | date | None) -> str:
    if not iso:
        return "—"
    value = date.fromisoformat(iso) if isinstance(iso, str) else iso
    return value.strftime("%d.%m.%Y")


greeting = Text(
    "Hello! I am the Onboard bot. I help you register your electronic migration card, "
    "learn the rules of life and work in Russia, and show a QR code to officers."
)


def help_text() -> str:
    return "\n".join(
        [
            _("What I can do:"),
            "/register — " + _("fill in the migration card"),
            "/card — " + _("your cards and QR codes"),
            "/checklist — " + _("what is due after arrival, and by when"),
            "/course — " + _("the adaptation course"),
            "/guide — " + _("the guide to rules of behaviour"),
            "/language — " + _("change the language"),
            "/cancel — " + _("stop filling in the card and delete the answers"),
            "/help — " + _("this list"),
        ]
    )


def commands() -> list[tuple[str, str]]:
    """The command menu: (command, description) in the current language."""
    return [
        ("start", _("Start")),
        ("register", _("Fill in the migration card")),
        ("card", _("My cards and QR codes")),
        ("checklist", _("Deadlines after arrival")),
        ("course", _("Adaptation course")),
        ("guide", _("Guide to rules of behaviour")),
        ("language", _("Change the language")),
        ("help", _("Help")),
        ("cancel", _("Cancel")),
    ]


def reply_labels() -> dict[str, str]:
    """The persistent keyboard's buttons by action: the QR first, the same in every language."""
    return {
        "card": "🪪 QR",
        "checklist": _("📋 Deadlines"),
        "course": _("📚 Course"),
        "guide": _("🧭 Guide"),
        "help": _("❓ Help"),
    }


not_understood = Text("Sorry, I did not understand. Use the menu buttons or /help.")

try_later = Text("The registry is not answering right now. Please try again in a few minutes.")

answers_kept = Text("Your answers are kept.")

went_wrong = Text("Sorry, something went wrong on my side. Please try again.")

too_fast = Text("Too many messages at once. Please wait a moment.")

stale_button = Text("This button is out of date. Please use the latest message.")

choose_language = Text("Choose your language:")

# TRANSLATORS: name the language of this catalogue ("I will speak Uzbek with you").
language_set = Text("Done: I will speak English with you.")

main_menu = Text("What would you like to do?")
