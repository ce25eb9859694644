"""Scan records and the public shapes of proofs and verdicts."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, model_validator
from pydantic import Field as PField
from sqlalchemy import Column, Index, false
from sqlmodel import Field, SQLModel

from service.core import clock
from service.core.bodies import Input
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
    __table_args__ = (Index("uq_scan_event_actor_client_id", "actor", "client_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(
        default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )
    actor: str = Field(max_length=120, index=True)
    card_id: uuid.UUID | None = Field(default=None, foreign_key="card.id", index=True)
    verdict: str = Field(max_length=16)
    # Checks made on an officer's device without network, uploaded later (POST /scans):
    # ``at`` is the device's time of the check, ``client_id`` the device's id for it, unique
    # per officer so that a retried upload records each check once.
    offline: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    client_id: str | None = Field(default=None, max_length=64)
    # False for an offline check whose device's trust data was too old to confirm that the
    # card was not revoked (the page showed it in amber); None for online checks.
    revocation_confirmed: bool | None = Field(default=None)


class ProofOut(BaseModel):
    payload: str
    expires_at: datetime
    kid: str


class VerifyIn(Input):
    """Either the scanned QR text or a typed card number (the fallback)."""

    payload: str | None = PField(default=None, min_length=1, max_length=4096)
    number: str | None = PField(default=None, min_length=1, max_length=32)

    @model_validator(mode="after")
    def _one(self) -> VerifyIn:
        if (self.payload is None) == (self.number is None):
            raise ValueError("send exactly one of payload and number")
        return self


class CardFacts(BaseModel):
    """What an officer compares with the passport: from a proof's claims
    (``proofs.token.describe``) or, for a typed number, from the registry
    (``proofs.service.registry_facts``)."""

    number: str
    name_latin: str
    date_of_birth: str
    citizenship: str
    document_last4: str
    purpose: str
    status_at_signing: str | None  # None when checked by typed number (no proof)
    stay_until: str
    course_completed_on: str | None
    issued_at: str | None
    expires_at: str | None


class SignedCardFacts(CardFacts):
    """A proof's facts with its serial and issuer (the offline verifier prints them all)."""

    serial: int
    issuer: str


class VerifiedCard(CardFacts):
    """What the proof says (compare with the passport) and what the registry says now."""

    id: uuid.UUID
    status_now: str

    @classmethod
    def of(cls, facts: CardFacts, *, card_id: uuid.UUID, status_now: str) -> VerifiedCard:
        """The facts (already valid) with the card's id and present status."""
        fields = {name: getattr(facts, name) for name in CardFacts.model_fields}
        return cls.model_construct(id=card_id, status_now=status_now, **fields)


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
    offline: bool = False
    revocation_confirmed: bool | None = None  # offline checks only


class OfflineScanIn(Input):
    """One check made on the officer's device while offline. No names: the card is named by
    its serial (the proof's ``cid``) and/or number."""

    client_id: str = PField(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    verdict: Verdict
    checked_at: datetime
    card_serial: int | None = PField(default=None, ge=0, le=2**31 - 1)
    card_number: str | None = PField(default=None, min_length=10, max_length=11)
    # False when the device's trust data was too old to confirm the card was not revoked.
    revocation_confirmed: bool = True


MAX_OFFLINE_BATCH = 500


class OfflineScansIn(Input):
    items: list[OfflineScanIn] = PField(min_length=1, max_length=MAX_OFFLINE_BATCH)


class OfflineScansOut(BaseModel):
    recorded: int  # new records
    duplicates: int  # already recorded by an earlier upload (or twice in this batch)


class ScanList(BaseModel):
    items: list[ScanOut]


def as_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
