"""/card: the cards, their QR codes and printouts."""

from __future__ import annotations

from collections import Counter
from datetime import date

from aiogram.utils.i18n import get_i18n

from bot import dates, people, reference
from bot.api import (
    Card,
    Profile,
)
from bot.i18n import Text, _
from bot.texts.common import escape_html, fmt_date

no_cards = Text("You have no migration card yet. Fill one in with /register.")


def card_text(card: Card) -> str:
    holder = card.holder
    name = " ".join(p for p in (holder.surname, holder.given_names) if p) or "—"
    latin = " ".join(p for p in (holder.surname_latin, holder.given_names_latin) if p)
    lines = [
        _("Migration card {number}").format(number=f"<b>{escape_html(card.number)}</b>"),
        _("Holder: {name}").format(
            name=escape_html(name) + (f" ({escape_html(latin)})" if latin else "")
        ),
        _("Status: {status}").format(status=reference.label(reference.STATUSES, card.status)),
        _("Stay until: {date}").format(date=fmt_date(card.stay_until)),
        _("Region: {region}").format(region=escape_html(reference.region_name(card.region))),
    ]
    return "\n".join(lines)


def qr_caption(card: Card, valid_until: date) -> str:
    """Whose QR it is and until when it is valid, first: it is read at a police check."""
    day = dates.long_date(valid_until, get_i18n().current_locale)
    return "\n".join(
        [
            "🪪 <b>" + escape_html(people.full_name(card)) + "</b>",
            _("QR code valid until {date}.").format(date=f"<b>{day}</b>"),
            _("Show this QR code to the officer. Press «Refresh» if it is old or cannot be read."),
        ]
    )


no_qr = Text("A card in this status has no QR code.")

print_caption = Text(
    "The card as a PDF: print it on A6 or A5 paper and keep it with your passport. "
    "Its QR code is valid until the date printed under it; print a fresh one after that."
)


def card_labels(shown: list[Card], cards: list[Card], profile: Profile | None) -> dict[str, str]:
    """Button labels by card id: the holder's full name, "(you)" on the account holder's own;
    the card's number only to tell apart two cards of the same name."""
    labels = {}
    for card in shown:
        name = people.full_name(card)
        if people.is_self(card, cards, profile):
            name += " " + _("(you)")
        labels[str(card.id)] = name
    counts = Counter(labels.values())
    for card in shown:
        if counts[labels[str(card.id)]] > 1:
            labels[str(card.id)] += f" · {card.number}"
    return labels
