"""Scan records and the public shapes of proofs and verdicts."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PField
from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from service.core import clock
from service.core.types import UTCDateTime


class Verdict(StrEnum):
    valid = "valid"
    expired = "expired"
    revoked = "revoked"
    closed = "closed"
    pending_entry = "pending_entry"
    invalid = "invalid"
    unknown_key = "unknown_key"


class ScanEvent(SQLModel, table=True):
    """One online verification: who checked, which card, what verdict. No personal data."""

    __tablename__ = "scan_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(
        default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )
    actor: str = Field(max_length=120, index=True)
    card_id: uuid.UUID | None = Field(default=None, foreign_key="card.id", index=True)
    verdict: str = Field(max_length=16)


class ProofOut(BaseModel):
    payload: str
    expires_at: datetime
    kid: str


class VerifyIn(BaseModel):
    """Either the scanned QR text or a typed card number (the fallback)."""

    model_config = ConfigDict(extra="forbid")
    payload: str | None = PField(default=None, min_length=1, max_length=4096)
    number: str | None = PField(default=None, min_length=1, max_length=32)

    @model_validator(mode="after")
    def _one(self) -> VerifyIn:
        if (self.payload is None) == (self.number is None):
            raise ValueError("send exactly one of payload and number")
        return self


class VerifiedCard(BaseModel):
    """What the proof says (compare with the passport) and what the registry says now."""

    id: uuid.UUID
    number: str
    name_latin: str
    date_of_birth: str
    citizenship: str
    document_last4: str
    purpose: str
    status_at_signing: str | None  # None when checked by typed number (no proof)
    status_now: str
    stay_until: str
    course_completed_on: str | None
    issued_at: str | None
    expires_at: str | None


class VerifyOut(BaseModel):
    verdict: Verdict
    reason: str
    card: VerifiedCard | None
    checked_at: datetime
    # When the card's status was read: the in-memory registry's last poll for a proof (within
    # about a second of now), the database itself for a typed number.
    status_as_of: datetime | None = None


class ScanOut(BaseModel):
    at: datetime
    verdict: Verdict
    card_number: str | None


class ScanList(BaseModel):
    items: list[ScanOut]


def as_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
