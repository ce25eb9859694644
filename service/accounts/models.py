"""Tables and public shapes for users and API keys."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator
from pydantic import Field as PField
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from service.core import clock
from service.core.bodies import Input
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


USERNAME_RULE = (
    "3-64 characters: Latin letters a-z, digits, '.', '_' and '-', starting with a letter or digit"
)
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}", re.ASCII)


def lookup_form(username: str) -> str:
    """How a typed username is compared with the stored ones: NFKC (fullwidth and other
    compatibility forms become plain letters), trimmed, lower-case."""
    return unicodedata.normalize("NFKC", username).strip().lower()


def normalise_username(username: str) -> str:
    """The one rule for usernames, in the API and the CLI alike: ``lookup_form``, then only
    ASCII letters, digits, '.', '_' and '-'. So `Ｏfficer` is `officer` (the same account,
    never a look-alike second one) and `аdmin` with a Cyrillic а is refused."""
    if len(username) > 256:
        raise ValueError(USERNAME_RULE)
    value = lookup_form(username)
    if not _USERNAME.fullmatch(value):
        raise ValueError(USERNAME_RULE)
    return value


Username = Annotated[
    str, PField(max_length=256, description=USERNAME_RULE), AfterValidator(normalise_username)
]


# The password policy, for the API and the CLI alike (``accounts.service.check_password``).
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256


class UserCreate(Input):
    username: Username
    password: str = PField(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
    role: Role


class UserPublic(SQLModel):
    id: uuid.UUID
    username: str
    role: Role
    is_active: bool
    created_at: datetime


class ApiKeyCreate(Input):
    name: str = PField(min_length=1, max_length=100)
    scopes: list[Scope] = PField(min_length=1, max_length=len(Scope))


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
