"""Tables and public shapes for users and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from service.core import clock
from service.core.ids import uuid7
from service.core.types import UTCDateTime


class Role(StrEnum):
    admin = "admin"
    border = "border"
    officer = "officer"
    analyst = "analyst"


class Scope(StrEnum):
    cards_read = "cards:read"
    cards_write = "cards:write"
    bot = "bot"
    stats_read = "stats:read"
    metrics_read = "metrics:read"  # Prometheus scrapes GET /metrics


def _tz_column(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable)


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    is_active: bool = True
    created_at: datetime = Field(default_factory=clock.now, sa_column=_tz_column())


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16, unique=True, index=True)
    key_hash: str = Field(max_length=64)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=clock.now, sa_column=_tz_column())
    revoked_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))


class UserCreate(SQLModel):
    username: str = Field(min_length=3, max_length=64, regex=r"^[a-z0-9][a-z0-9._-]*$")
    password: str = Field(min_length=12, max_length=256)
    role: Role


class UserPublic(SQLModel):
    id: uuid.UUID
    username: str
    role: Role
    is_active: bool
    created_at: datetime


class ApiKeyCreate(SQLModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope))


class ApiKeyPublic(SQLModel):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str


class Token(SQLModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
