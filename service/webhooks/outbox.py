"""The outbox: events any domain writes inside its own transaction (cards through
``service.cards.events``), delivered to webhooks later by the worker."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from service.core import clock
from service.core.ids import uuid7
from service.webhooks.models import EventType, OutboxEvent


def emit(session: Session, event_type: EventType, data: dict[str, Any]) -> None:
    session.execute(OutboxEvent.__table__.insert(), row(event_type, data))  # type: ignore[attr-defined]


def row(event_type: EventType, data: dict[str, Any]) -> dict[str, Any]:
    """A new outbox row (for a caller that writes it in a statement of its own)."""
    return {
        "event_id": uuid7(),
        "type": event_type.value,
        "data": data,
        "created_at": clock.now(),
        "dispatched": False,
    }
