"""What was done on a card's checklist, reminder records, and the public shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, StrictBool
from pydantic import Field as PField
from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.core import clock
from service.core.bodies import Input
from service.core.types import UTCDateTime


class ChecklistDone(SQLModel, table=True):
    """An obligation reported done (a repeating one, such as a payment, once per time)."""

    __tablename__ = "checklist_done"

    id: int | None = Field(default=None, primary_key=True)
    card_id: uuid.UUID = Field(foreign_key="card.id", index=True)
    item_id: str = Field(max_length=64)
    done_on: date
    evidence: str = Field(max_length=200)
    self_reported: bool
    actor: str = Field(max_length=120)
    at: datetime = Field(default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False))


class Permit(SQLModel, table=True):
    """A patent the holder got: the day it was issued and the last day of its paid period.
    Payments extend `paid_until` by whole months; each is kept in `permit_payment`."""

    __tablename__ = "permit"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    card_id: uuid.UUID = Field(foreign_key="card.id", index=True)
    kind: str = Field(max_length=16)  # patent
    number: str | None = Field(default=None, max_length=32)
    issued_on: date
    paid_until: date
    actor: str = Field(max_length=120)
    created_at: datetime = Field(
        default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False)
    )


class PermitPayment(SQLModel, table=True):
    __tablename__ = "permit_payment"

    id: int | None = Field(default=None, primary_key=True)
    permit_id: uuid.UUID = Field(foreign_key="permit.id", index=True)
    paid_on: date
    months: int
    paid_until_before: date
    paid_until_after: date
    actor: str = Field(max_length=120)
    at: datetime = Field(default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False))


class ReminderRecord(SQLModel, table=True):
    """One reminder (card, obligation, due date, days before): claimed, then sent. The
    unique key is what makes a reminder go out once, whatever restarts happen."""

    __tablename__ = "reminder_record"
    __table_args__ = (
        UniqueConstraint("card_id", "item_id", "due_on", "days_before", name="uq_reminder_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    card_id: uuid.UUID = Field(foreign_key="card.id", index=True)
    item_id: str = Field(max_length=64)
    due_on: date
    days_before: int
    claimed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    superseded: bool = False  # a later reminder for the same deadline went instead


class ReminderMute(SQLModel, table=True):
    __tablename__ = "reminder_mute"

    card_id: uuid.UUID = Field(foreign_key="card.id", primary_key=True)
    muted_at: datetime = Field(
        default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False)
    )


class DoneIn(Input):
    evidence: Annotated[str, PField(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
    done_on: date | None = None


class PermitKind(StrEnum):
    patent = "patent"


PermitNumber = Annotated[
    str, PField(min_length=1, max_length=32, pattern=r"^[0-9A-Za-zА-Яа-яЁё №/-]+$")
]


class PermitIn(Input):
    kind: PermitKind
    issued_on: date
    # The last day of the paid period (the patent lapses the day after, 115-FZ art. 13.3).
    paid_until: date
    number: PermitNumber | None = None


class PaymentIn(Input):
    paid_on: date
    months: Annotated[int, PField(ge=1, le=12, strict=True)]


class PaymentOut(BaseModel):
    paid_on: date
    months: int
    paid_until_before: date
    paid_until_after: date


class PermitOut(BaseModel):
    id: uuid.UUID
    card_id: uuid.UUID
    kind: PermitKind
    number: str | None
    issued_on: date
    paid_until: date
    payments: list[PaymentOut]


class DoneOut(BaseModel):
    done_on: date
    evidence: str
    self_reported: bool


class ItemStatus(StrEnum):
    pending = "pending"
    overdue = "overdue"
    done = "done"
    not_applicable = "not_applicable"


class ChecklistItem(BaseModel):
    id: str
    title: str
    how_to: str
    due_on: date | None
    status: ItemStatus
    done: DoneOut | None
    # False for the end of the stay: it is met by the exit or an extension, not by a report.
    reportable: bool
    source: str
    checked_on: date | None  # the day someone read the source; None: not recorded
    review_by: date
    # True when the date depends on something not final (a year's production calendar not
    # yet decreed, a rule not confirmed); the reason says what.
    approximate: bool = False
    approximate_reason: str | None = None


class StayLimitOut(BaseModel):
    """The law's limit on the stay for the card's regime, beside the stay planned on the card
    (the item `stay-end`), which is not that limit."""

    text: str
    source: str
    checked_on: date | None = PField(description="The day someone read the source; null: unknown")


class Checklist(BaseModel):
    card_id: uuid.UUID
    # eaeu_worker | patent_worker | visa_worker | student | other (content/policy/regimes.yaml)
    regime: str
    stay_limit: StayLimitOut
    language: str
    fallback: bool
    reminders_muted: bool
    items: list[ChecklistItem]


class MuteIn(Input):
    muted: StrictBool


class Reminder(BaseModel):
    id: int
    card_id: uuid.UUID
    card_number: str
    telegram_user_id: int
    language: str
    item_id: str
    title: str
    how_to: str
    due_on: date
    days_left: int


class ReminderBatch(BaseModel):
    items: list[Reminder]
