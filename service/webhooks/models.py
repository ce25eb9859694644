"""Outbox events, webhook endpoints and deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AnyHttpUrl, BaseModel
from pydantic import Field as PField
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.core import clock
from service.core.bodies import Input
from service.core.ids import uuid7
from service.core.types import UTCDateTime


class EventType(StrEnum):
    card_created = "card.created"
    card_activated = "card.activated"
    card_extended = "card.extended"
    card_closed = "card.closed"
    card_revoked = "card.revoked"
    course_completed = "course.completed"


class OutboxEvent(SQLModel, table=True):
    """Written in the same transaction as the change it reports; never personal data."""

    __tablename__ = "outbox_event"

    id: int | None = Field(default=None, primary_key=True)
    event_id: uuid.UUID = Field(default_factory=uuid7, unique=True)
    type: str = Field(max_length=32)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(
        default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False)
    )
    dispatched: bool = Field(default=False, index=True)


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoint"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    api_key_id: uuid.UUID = Field(foreign_key="api_key.id", index=True)
    url: str = Field(max_length=500)
    secret: str = Field(max_length=64)  # needed in clear to sign; shown to the owner once
    events: list[str] = Field(sa_column=Column(JSON, nullable=False))
    active: bool = True
    # Why it stopped: "deleted" by its owner, or "key-revoked" (its API key was revoked).
    disabled_reason: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(
        default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False)
    )


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    dead = "dead"


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("outbox_id", "endpoint_id", name="uq_delivery_once"),
        Index("ix_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox_event.id")
    endpoint_id: uuid.UUID = Field(foreign_key="webhook_endpoint.id")
    status: str = Field(default=DeliveryStatus.pending.value, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_error: str | None = Field(default=None, max_length=300)
    delivered_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class WebhookCreate(Input):
    url: Annotated[AnyHttpUrl, PField()]
    events: Annotated[list[EventType], PField(min_length=1, max_length=6)]


class WebhookPublic(BaseModel):
    id: uuid.UUID
    url: str
    events: list[str]
    active: bool
    disabled_reason: str | None = None
    created_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str


class DeliveryPublic(BaseModel):
    id: int
    event_type: str
    event_id: uuid.UUID
    endpoint_id: uuid.UUID
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    delivered_at: datetime | None


class DeliveryList(BaseModel):
    items: list[DeliveryPublic]
