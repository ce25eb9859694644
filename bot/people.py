"""Whose card: the account holder's own person and card come first, family members by name.

One Telegram account may register cards for several people (a family on one phone). The
service keeps which of them is the account holder (``self_person_id`` of the profile, set
when a card is registered "for me"); accounts from before that default to the first person
they registered, without calling anyone "you".
"""

from __future__ import annotations

import uuid

from bot.api import Card, Profile

PROVABLE = ("pending_entry", "active")


def self_person(cards: list[Card], profile: Profile | None) -> uuid.UUID | None:
    """The account holder's person, when the account said which one it is."""
    if profile is None or profile.self_person_id is None:
        return None
    own = profile.self_person_id
    return own if any(c.person_id == own for c in cards) else None


def default_person(cards: list[Card], profile: Profile | None) -> uuid.UUID | None:
    """Whose card opens by default: the holder's own, else the first person registered."""
    return self_person(cards, profile) or (cards[0].person_id if cards else None)


def persons(cards: list[Card]) -> list[uuid.UUID]:
    """The account's people in the order their first card was registered (it only grows)."""
    seen: dict[uuid.UUID, None] = {}
    for card in cards:
        seen.setdefault(card.person_id, None)
    return list(seen)


def current_card(cards: list[Card], profile: Profile | None) -> Card:
    """The default person's newest card that has a QR, else their newest card."""
    person = default_person(cards, profile)
    theirs = [c for c in cards if c.person_id == person] or cards
    provable = [c for c in theirs if c.status in PROVABLE]
    return (provable or theirs)[-1]


def full_name(card: Card) -> str:
    holder = card.holder
    name = " ".join(p for p in (holder.surname, holder.given_names) if p)
    latin = " ".join(p for p in (holder.surname_latin, holder.given_names_latin) if p)
    return name or latin or card.number


def is_self(card: Card, cards: list[Card], profile: Profile | None) -> bool:
    return card.person_id == self_person(cards, profile)


def is_family(card: Card, cards: list[Card], profile: Profile | None) -> bool:
    """A card known to be a family member's (not the account holder's)."""
    own = self_person(cards, profile)
    return own is not None and card.person_id != own
