"""HTTP routes: integrators register endpoints; admins see and replay dead letters."""

from __future__ import annotations

import uuid
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Path, Query
from sqlmodel import Session

from service.accounts.access import Action, Owner, Principal
from service.api.deps import Authorize, SettingsDep, UnitOfWork
from service.core.errors import Forbidden, field_error
from service.core.problems import PROBLEM_RESPONSES
from service.webhooks import service as webhooks
from service.webhooks import targets
from service.webhooks.models import (
    DeliveryList,
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
)

router = APIRouter(prefix="/api/v1", tags=["webhooks"], responses=PROBLEM_RESPONSES)
OwnWebhooks = Annotated[UnitOfWork, Authorize(Action.webhooks_own, Owner.caller)]


def _check_url(url: str, allow_private: bool) -> None:
    try:
        targets.check(url, allow_private=allow_private)
    except targets.TargetRefused as exc:
        raise field_error("url", str(exc)) from exc


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
async def create_webhook(
    body: WebhookCreate,
    uow: OwnWebhooks,
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
        return webhooks.create_endpoint(
            session=session, api_key_id=principal.id, url=str(body.url), events=body.events
        )

    return await uow.run(work)


@router.get("/webhooks", response_model=list[WebhookPublic])
async def list_webhooks(uow: OwnWebhooks) -> list[WebhookPublic]:
    """The caller's own endpoints (no secrets)."""
    return await uow.run(lambda s, p: webhooks.list_endpoints(session=s, api_key_id=p.id))


@router.delete("/webhooks/{webhook_id}", response_model=WebhookPublic)
async def delete_webhook(webhook_id: uuid.UUID, uow: OwnWebhooks) -> WebhookPublic:
    """Stop sending to an endpoint."""
    return await uow.run(
        lambda s, p: webhooks.delete_endpoint(session=s, api_key_id=p.id, webhook_id=webhook_id)
    )


@router.get("/webhook-deliveries", response_model=DeliveryList)
async def list_deliveries(
    uow: Annotated[UnitOfWork, Authorize(Action.accounts_manage)],
    status: Annotated[str, Query(pattern=r"^(pending|delivered|dead)$")] = "dead",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeliveryList:
    """Deliveries by status, newest first (admin): the dead-letter list by default."""
    return await uow.call(webhooks.list_deliveries, status=status, limit=limit)


@router.post("/webhook-deliveries/{delivery_id}/replay", response_model=DeliveryPublic)
async def replay_delivery(
    delivery_id: Annotated[int, Path(ge=1, lt=2**31)],
    uow: Annotated[UnitOfWork, Authorize(Action.accounts_manage)],
) -> DeliveryPublic:
    """Send a dead-lettered delivery again (admin)."""
    return await uow.call(webhooks.replay_delivery, delivery_id=delivery_id)
