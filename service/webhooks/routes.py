"""HTTP routes: integrators register endpoints; admins see and replay dead letters."""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Path, Query
from sqlmodel import Session, col, select

from service.accounts.access import Action, Owner, Principal
from service.api.deps import Authorize, SettingsDep, UnitOfWork
from service.core.errors import Forbidden, NotFound, field_error
from service.core.problems import PROBLEM_RESPONSES
from service.webhooks import targets, worker
from service.webhooks.models import (
    DeliveryList,
    DeliveryPublic,
    OutboxEvent,
    WebhookCreate,
    WebhookCreated,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookPublic,
)

router = APIRouter(prefix="/api/v1", tags=["webhooks"], responses=PROBLEM_RESPONSES)


def _check_url(url: str, allow_private: bool) -> None:
    try:
        targets.check(url, allow_private=allow_private)
    except targets.TargetRefused as exc:
        raise field_error("url", str(exc)) from exc


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
async def create_webhook(
    body: WebhookCreate,
    uow: Annotated[UnitOfWork, Authorize(Action.webhooks_own, Owner.caller)],
    settings: SettingsDep,
) -> WebhookCreated:
    """Register an endpoint for events (keys with `cards:read` or `cards:write`); the signing
    secret is in this answer only. The URL must be https and resolve only to public addresses."""

    def authorise(session: Session, principal: Principal) -> None:
        if principal.kind != "api_key":
            raise Forbidden("webhooks belong to API keys (integrators)")

    # Who is asking first: nobody else gets to make the service resolve names.
    await uow.run(authorise, reads_only=True)
    allow_private = settings.webhook_allow_private_targets
    await anyio.to_thread.run_sync(_check_url, str(body.url), allow_private)

    def work(session: Session, principal: Principal) -> WebhookCreated:
        authorise(session, principal)
        endpoint = WebhookEndpoint(
            api_key_id=principal.id,
            url=str(body.url),
            secret=secrets.token_hex(32),
            events=[e.value for e in body.events],
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

    return await uow.run(work)


@router.get("/webhooks", response_model=list[WebhookPublic])
async def list_webhooks(
    uow: Annotated[UnitOfWork, Authorize(Action.webhooks_own, Owner.caller)],
) -> list[WebhookPublic]:
    """The caller's own endpoints (no secrets)."""

    def work(session: Session, principal: Principal) -> list[WebhookPublic]:
        rows = session.exec(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.api_key_id == principal.id)
            .order_by(col(WebhookEndpoint.created_at))
        ).all()
        return [WebhookPublic.model_validate(r, from_attributes=True) for r in rows]

    return await uow.run(work)


@router.delete("/webhooks/{webhook_id}", response_model=WebhookPublic)
async def delete_webhook(
    webhook_id: uuid.UUID, uow: Annotated[UnitOfWork, Authorize(Action.webhooks_own, Owner.caller)]
) -> WebhookPublic:
    """Stop sending to an endpoint."""

    def work(session: Session, principal: Principal) -> WebhookPublic:
        endpoint = session.get(WebhookEndpoint, webhook_id)
        if endpoint is None or endpoint.api_key_id != principal.id:
            raise NotFound("no such webhook")
        if endpoint.active:
            endpoint.active = False
            endpoint.disabled_reason = "deleted"
        session.add(endpoint)
        return WebhookPublic.model_validate(endpoint, from_attributes=True)

    return await uow.run(work)


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


@router.get("/webhook-deliveries", response_model=DeliveryList)
async def list_deliveries(
    uow: Annotated[UnitOfWork, Authorize(Action.accounts_manage)],
    status: Annotated[str, Query(pattern=r"^(pending|delivered|dead)$")] = "dead",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeliveryList:
    """Deliveries by status, newest first (admin): the dead-letter list by default."""

    def work(session: Session, principal: Principal) -> DeliveryList:
        rows = session.exec(
            select(WebhookDelivery, OutboxEvent)
            .join(OutboxEvent, col(OutboxEvent.id) == col(WebhookDelivery.outbox_id))
            .where(WebhookDelivery.status == status)
            .order_by(col(WebhookDelivery.id).desc())
            .limit(limit)
        ).all()
        return DeliveryList(items=[_delivery(d, e) for d, e in rows])

    return await uow.run(work)


@router.post("/webhook-deliveries/{delivery_id}/replay", response_model=DeliveryPublic)
async def replay_delivery(
    delivery_id: Annotated[int, Path(ge=1, lt=2**31)],
    uow: Annotated[UnitOfWork, Authorize(Action.accounts_manage)],
) -> DeliveryPublic:
    """Send a dead-lettered delivery again (admin)."""

    def work(session: Session, principal: Principal) -> DeliveryPublic:
        delivery = worker.replay(session=session, delivery_id=delivery_id)
        event = session.get(OutboxEvent, delivery.outbox_id)
        assert event is not None
        return _delivery(delivery, event)

    return await uow.run(work)
