"""Integrators' webhook endpoints and the admins' view of deliveries. Keyword-only; the
caller owns the transaction."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.accounts import service as accounts
from service.core.errors import NotFound
from service.webhooks.models import (
    DeliveryList,
    DeliveryPublic,
    EventType,
    OutboxEvent,
    WebhookCreated,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookPublic,
)


def create_endpoint(
    *, session: Session, api_key_id: uuid.UUID, url: str, events: list[EventType]
) -> WebhookCreated:
    """Register an endpoint with a new signing secret (in this answer only)."""
    endpoint = WebhookEndpoint(
        api_key_id=api_key_id,
        url=url,
        secret=secrets.token_hex(32),
        events=[e.value for e in events],
    )
    session.add(endpoint)
    session.flush()
    return WebhookCreated(
        id=endpoint.id,
        url=endpoint.url,
        events=endpoint.events,
        active=True,
        created_at=endpoint.created_at,
        secret=endpoint.secret,
    )


def list_endpoints(*, session: Session, api_key_id: uuid.UUID) -> list[WebhookPublic]:
    rows = session.exec(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.api_key_id == api_key_id)
        .order_by(col(WebhookEndpoint.created_at))
    ).all()
    return [WebhookPublic.model_validate(r, from_attributes=True) for r in rows]


def delete_endpoint(
    *, session: Session, api_key_id: uuid.UUID, webhook_id: uuid.UUID
) -> WebhookPublic:
    """Stop sending to one of the key's own endpoints (another key's is not found)."""
    endpoint = session.get(WebhookEndpoint, webhook_id)
    if endpoint is None or endpoint.api_key_id != api_key_id:
        raise NotFound("no such webhook")
    if endpoint.active:
        endpoint.active = False
        endpoint.disabled_reason = "deleted"
    session.add(endpoint)
    return WebhookPublic.model_validate(endpoint, from_attributes=True)


def stop_endpoints_of_key(session: Session, key_id: uuid.UUID) -> None:
    """A revoked key's webhooks stop with it (the worker also skips endpoints of revoked
    keys)."""
    session.execute(
        update(WebhookEndpoint)
        .where(col(WebhookEndpoint.api_key_id) == key_id, col(WebhookEndpoint.active).is_(True))
        .values(active=False, disabled_reason="key-revoked")
    )


# Wherever keys can be revoked (the API, the CLI), this module is imported with the accounts.
if stop_endpoints_of_key not in accounts.KEY_REVOKED:
    accounts.KEY_REVOKED.append(stop_endpoints_of_key)


def _delivery(d: WebhookDelivery, e: OutboxEvent) -> DeliveryPublic:
    return DeliveryPublic(
        id=d.id or 0,
        event_type=e.type,
        event_id=e.event_id,
        endpoint_id=d.endpoint_id,
        status=d.status,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at,
        last_error=d.last_error,
        delivered_at=d.delivered_at,
    )


def list_deliveries(*, session: Session, status: str, limit: int) -> DeliveryList:
    """Deliveries in this status, newest first."""
    rows = session.exec(
        select(WebhookDelivery, OutboxEvent)
        .join(OutboxEvent, col(OutboxEvent.id) == col(WebhookDelivery.outbox_id))
        .where(WebhookDelivery.status == status)
        .order_by(col(WebhookDelivery.id).desc())
        .limit(limit)
    ).all()
    return DeliveryList(items=[_delivery(d, e) for d, e in rows])


def replay_delivery(*, session: Session, delivery_id: int) -> DeliveryPublic:
    """Send a dead-lettered delivery again."""
    from service.webhooks import worker  # httpx and the delivery machinery: not for the CLI

    delivery = worker.replay(session=session, delivery_id=delivery_id)
    event = session.get(OutboxEvent, delivery.outbox_id)
    assert event is not None
    return _delivery(delivery, event)
