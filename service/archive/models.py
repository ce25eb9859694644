"""The archive's row format and the record of what was imported."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator
from pydantic import Field as PField
from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from service.cards.models import DocumentIn, HolderIn, HostIn, RegionCode, Text, VisaNumber
from service.core import clock
from service.core.types import UTCDateTime
from service.reference.codes import Purpose

# The CSV layout, in order (docs/import.md explains each column).
COLUMNS = (
    "archive_id", "surname", "given_names", "surname_latin", "given_names_latin",
    "date_of_birth", "sex", "citizenship", "document_type", "document_number", "purpose",
    "visa_number", "planned_from", "planned_until", "host_kind", "host_name", "host_address",
    "region", "occupation", "entered_on", "entry_point", "exited_on", "exit_point",
)  # fmt: skip


class ArchiveImport(SQLModel, table=True):
    """One paper record imported: its archive id is what makes re-runs add nothing."""

    __tablename__ = "archive_import"

    archive_id: str = Field(primary_key=True, max_length=64)
    card_id: uuid.UUID = Field(foreign_key="card.id")
    source: str = Field(max_length=200)
    imported_at: datetime = Field(
        default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False)
    )


def _archive_id(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 64 or not value.isprintable():
        raise ValueError("must be 1-64 printable characters")
    return value


class ArchiveRow(BaseModel):
    """A paper card as archived: historical, so stays may have ended long ago."""

    model_config = ConfigDict(extra="forbid")

    archive_id: Annotated[str, AfterValidator(_archive_id)]
    holder: HolderIn
    purpose: Purpose
    visa_number: VisaNumber | None = None
    planned_from: date
    planned_until: date
    host: HostIn
    region: RegionCode
    occupation: Annotated[Text, PField(max_length=120)] | None = None
    entered_on: date | None = None
    entry_point: Annotated[Text, PField(max_length=100)] | None = None
    exited_on: date | None = None
    exit_point: Annotated[Text, PField(max_length=100)] | None = None

    @model_validator(mode="after")
    def _dates(self) -> ArchiveRow:
        check_dates(
            planned_from=self.planned_from,
            planned_until=self.planned_until,
            date_of_birth=self.holder.date_of_birth,
            entered_on=self.entered_on,
            exited_on=self.exited_on,
        )
        return self


def check_dates(
    *,
    planned_from: date,
    planned_until: date,
    date_of_birth: date,
    entered_on: date | None,
    exited_on: date | None,
) -> None:
    """The rules across a paper card's dates (``ValueError`` naming the one broken)."""
    today = clock.today()
    if planned_until < planned_from:
        raise ValueError("planned_until is before planned_from")
    if planned_from < date_of_birth:
        raise ValueError("planned_from is before date_of_birth")
    if entered_on is not None and entered_on > today:
        raise ValueError("entered_on is in the future")
    if exited_on is not None:
        if entered_on is None:
            raise ValueError("exited_on is given without entered_on")
        if exited_on < entered_on:
            raise ValueError("exited_on is before entered_on")
        if exited_on > today:
            raise ValueError("exited_on is in the future")


__all__ = ["ArchiveImport", "ArchiveRow", "COLUMNS", "DocumentIn", "check_dates"]
