"""What integrators learn about a card change, written to the outbox in the caller's
transaction (``service.webhooks.outbox`` delivers it): identifiers and dates, no personal
data."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from service.cards import numbers
from service.cards.models import Card
from service.core import clock
from service.webhooks import outbox
from service.webhooks.models import EventType


def payload(card: Card, *, status: str) -> dict[str, Any]:
    return {
        "card_id": str(card.id),
        "number": numbers.display(card.number),
        "person_id": str(card.person_id),
        "status": status,
        "stay_until": card.stay_until.isoformat(),
        "region": card.region,
        "purpose": card.purpose,
        "at": clock.now().isoformat(),
    }


def emit(session: Session, event_type: EventType, card: Card, *, status: str) -> None:
    outbox.emit(session, event_type, payload(card, status=status))


def outbox_row(event_type: EventType, card: Card, *, status: str) -> dict[str, Any]:
    """The outbox row ``emit`` would write, for a caller that writes it with its own rows."""
    return outbox.row(event_type, payload(card, status=status))
