"""The webhooks domain's gauge for /metrics (see ``service.api.metrics``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from service.core.db import read_only
from service.webhooks.models import DeliveryStatus, OutboxEvent, WebhookDelivery

_GAUGE_SECONDS = 15.0


def backlog(engine: Engine, *, every: float = _GAUGE_SECONDS) -> Callable[[], list[str]]:
    """Events not yet delivered (outbox + pending), read from the database at most once
    every ``every`` seconds per process."""
    cached: list[tuple[float, int]] = []
    lock = threading.Lock()

    def lines() -> list[str]:
        with lock:
            if not cached or time.monotonic() - cached[0][0] >= every:
                cached[:] = [(time.monotonic(), _count(engine))]
            value = cached[0][1]
        return [
            "# HELP onboard_webhook_backlog Events not yet delivered (outbox + pending).",
            "# TYPE onboard_webhook_backlog gauge",
            f"onboard_webhook_backlog {value}",
        ]

    return lines


def _count(engine: Engine) -> int:
    with Session(read_only(engine)) as session:
        pending = session.exec(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.status == DeliveryStatus.pending)
        ).one()
        undispatched = session.exec(
            select(func.count())
            .select_from(OutboxEvent)
            .where(col(OutboxEvent.dispatched).is_(False))
        ).one()
    return int(pending) + int(undispatched)
