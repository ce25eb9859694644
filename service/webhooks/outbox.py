"""Writing events to the outbox, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from service.cards import numbers
from service.cards.models import Card
from service.core import clock
from service.core.ids import uuid7
from service.webhooks.models import EventType, OutboxEvent


def card_event(card: Card, *, status: str) -> dict[str, Any]:
    """What integrators learn about a card change: identifiers and dates, no personal data."""
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


def emit(session: Session, event_type: EventType, data: dict[str, Any]) -> None:
    session.execute(
        OutboxEvent.__table__.insert(),  # type: ignore[attr-defined]
        {
            "event_id": uuid7(),
            "type": event_type.value,
            "data": data,
            "created_at": clock.now(),
            "dispatched": False,
        },
    )
