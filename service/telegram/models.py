"""The Telegram profile table and its public shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StrictBool
from pydantic import Field as PField
from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from service.core import clock
from service.core.bodies import Input
from service.core.types import UTCDateTime

Language = Annotated[str, PField(pattern=r"^(ru|en|uz|tg|ky|kk)$")]


class TelegramProfile(SQLModel, table=True):
    """One Telegram account (it may manage several people's cards: a family on one phone)."""

    __tablename__ = "telegram_profile"

    telegram_user_id: int = Field(
        sa_column=Column(BigInteger, primary_key=True, autoincrement=False)
    )
    language: str = Field(default="ru", max_length=8)
    consent_version: str | None = Field(default=None, max_length=32)
    consent_language: str | None = Field(default=None, max_length=8)
    consent_given_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    reminders_muted: bool = False
    # The person the account holder is (their own card is the default in the bot); the others
    # registered from this account are family members. None until the holder says so.
    self_person_id: uuid.UUID | None = None
    created_at: datetime = Field(
        default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ProfileUpdate(Input):
    language: Language | None = None
    reminders_muted: StrictBool | None = None
    # One of the persons of this account's cards: "this one is me".
    self_person_id: uuid.UUID | None = None


class ConsentIn(Input):
    notice_version: Annotated[
        str, PField(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._-]+$")
    ]
    language: Language


class ProfilePublic(BaseModel):
    telegram_user_id: int
    language: str
    consent_version: str | None
    consent_language: str | None
    consent_given_at: datetime | None
    reminders_muted: bool
    self_person_id: uuid.UUID | None = None
