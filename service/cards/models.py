"""Tables and public shapes for persons (holders), cards and card events."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic import Field as PField
from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from service.core import clock, i18n
from service.core.bodies import Input
from service.core.errors import FieldValueError
from service.core.ids import uuid7
from service.core.types import UTCDateTime
from service.reference.codes import (
    DocumentType,
    HostKind,
    Purpose,
    Sex,
    countries,
    is_country,
    is_ru_region,
    ru_regions,
)
from service.reference.translit import NoLatinForm, mixed_script_parts, to_icao_latin

LANGUAGES = i18n.LANGUAGES


class Status(StrEnum):
    pending_entry = "pending_entry"
    active = "active"
    expired = "expired"  # derived: active or pending with stay_until in the past
    closed = "closed"
    revoked = "revoked"


# The open statuses as SQL constants: the partial index on stay_until covers these rows, and a
# query uses it only when its own condition names them as constants, not as parameters.
OPEN_CLAUSE = "status IN ('pending_entry', 'active')"
_HAS_TELEGRAM = "telegram_user_id IS NOT NULL"


class EventKind(StrEnum):
    created = "created"
    entry = "entry"
    exit = "exit"
    extended = "extended"
    revoked = "revoked"


def _tz(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable)


# ---------------------------------------------------------------------------- tables


class Person(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint(
            "citizenship", "document_type", "document_number", name="uq_person_document"
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    surname: str | None = Field(default=None, max_length=100)
    given_names: str | None = Field(default=None, max_length=100)
    surname_latin: str | None = Field(default=None, max_length=100)
    given_names_latin: str | None = Field(default=None, max_length=100)
    date_of_birth: date | None = None
    sex: str | None = Field(default=None, max_length=1)
    citizenship: str = Field(max_length=3)  # indexed first in uq_person_document
    document_type: str | None = Field(default=None, max_length=32)
    document_number: str | None = Field(default=None, max_length=32, index=True)
    language: str = Field(default="ru", max_length=8)
    created_at: datetime = Field(default_factory=clock.now, sa_column=_tz())
    erased_at: datetime | None = Field(default=None, sa_column=_tz(nullable=True))


class Card(SQLModel, table=True):
    __table_args__ = (
        Index("ix_card_person_status", "person_id", "status"),
        Index("ix_card_created_at", "created_at"),
        # Partial (migration 0022): only the rows a query can ask for; an archive card is in
        # neither (closed, no Telegram user).
        Index(
            "ix_card_stay_until", "stay_until",
            postgresql_where=text(OPEN_CLAUSE), sqlite_where=text(OPEN_CLAUSE),
        ),
        Index(
            "ix_card_telegram_user_id", "telegram_user_id",
            postgresql_where=text(_HAS_TELEGRAM), sqlite_where=text(_HAS_TELEGRAM),
        ),
    )  # fmt: skip

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    number: str = Field(max_length=16, unique=True, index=True)
    # Short id in proofs and the card's index in the signed status list (see proofs).
    serial: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    person_id: uuid.UUID = Field(foreign_key="person.id")  # indexed first in ix_card_person_status
    status: str = Field(max_length=16, index=True)
    purpose: str = Field(max_length=16)
    visa_number: str | None = Field(default=None, max_length=32)
    planned_from: date
    planned_until: date
    stay_until: date
    host_kind: str | None = Field(default=None, max_length=16)
    host_name: str | None = Field(default=None, max_length=200)
    host_address: str | None = Field(default=None, max_length=300)
    region: str = Field(max_length=8, index=True)
    occupation: str | None = Field(default=None, max_length=120)
    telegram_user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    entered_on: date | None = None
    entry_point: str | None = Field(default=None, max_length=100)
    exited_on: date | None = None
    exit_point: str | None = Field(default=None, max_length=100)
    revoked_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=clock.now, sa_column=_tz())
    updated_at: datetime = Field(default_factory=clock.now, sa_column=_tz())
    created_by: str = Field(max_length=120)


class CardEvent(SQLModel, table=True):
    """Append-only: database triggers refuse UPDATE and DELETE on this table."""

    __tablename__ = "card_event"

    id: int | None = Field(default=None, primary_key=True)
    card_id: uuid.UUID = Field(foreign_key="card.id", index=True)
    kind: str = Field(max_length=16)
    actor: str = Field(max_length=120)
    at: datetime = Field(default_factory=clock.now, sa_column=_tz())
    reason: str | None = Field(default=None, max_length=500)
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class CardSerial(SQLModel, table=True):
    """One row: the next card serial. UPDATE ... RETURNING hands them out without races."""

    __tablename__ = "card_serial"

    id: int = Field(default=1, primary_key=True)
    next_value: int = Field(sa_column=Column(BigInteger, nullable=False))


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("principal", "key", name="uq_idempotency_principal_key"),)

    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(max_length=120)
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int
    response: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=clock.now, sa_column=_tz())


# ---------------------------------------------------------------------------- input

_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '’ʻʼ.-][^\W\d_]+)*\.?$")
_LATIN_RE = re.compile(r"^[A-Z]+(?:[ -][A-Z]+)*$")
_DOC_RE = re.compile(r"^(?=.*\d)[A-Z0-9]{5,20}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_SPACES_RE = re.compile(r"\s+")


def _clean_text(value: str) -> str:
    if _CONTROL_RE.search(value):
        raise ValueError("must not contain control characters")
    value = _SPACES_RE.sub(" ", value.strip())
    if not value:
        raise ValueError("must not be blank")
    return value


_NAME_MAX = 100  # the columns' size: checked again after normalising, which can lengthen


def _name(value: str) -> str:
    # NFKC first: 𝐈𝐯𝐚𝐧𝐨𝐯 (mathematical bold) and fullwidth letters become plain Ivanov.
    value = _clean_text(unicodedata.normalize("NFKC", value))
    if not _NAME_RE.match(value):
        raise ValueError("may hold only letters, spaces, hyphens and apostrophes")
    if len(value) > _NAME_MAX:
        raise ValueError(f"must have at most {_NAME_MAX} characters")
    mixed = mixed_script_parts(value)
    if mixed:
        which = ", ".join(str(n) for n in mixed)
        raise ValueError(
            f"each part of a name must be written in one script (part {which} mixes "
            "letters of different alphabets)"
        )
    return value


def _latin(value: str) -> str:
    value = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value).strip().upper())
    if not _LATIN_RE.match(value):
        raise ValueError("must be ICAO 9303 Latin: letters A-Z, spaces and hyphens")
    if len(value) > _NAME_MAX:
        raise ValueError(f"must have at most {_NAME_MAX} characters")
    return value


def derived_latin(native: str, native_field: str) -> str:
    """The ICAO Latin form of a native name, complete or refused: never a letter lost."""
    try:
        latin = to_icao_latin(native, strict=True)
    except NoLatinForm as exc:
        raise ValueError(f"is required: {native_field} {exc}; give the Latin form") from None
    if not latin:
        raise ValueError(f"is required: {native_field} has no Latin form")
    if len(latin) > _NAME_MAX:
        raise ValueError(
            f"is required: the Latin form of {native_field} exceeds {_NAME_MAX} letters"
        )
    return latin


def _document_number(value: str) -> str:
    value = re.sub(r"[\s-]", "", value.strip().upper())
    if not _DOC_RE.match(value):
        raise ValueError("must be 5-20 Latin letters and digits with at least one digit")
    return value


def _birth_date(value: date) -> date:
    if value > clock.today():
        raise ValueError("is in the future")
    if value.year < 1900:
        raise ValueError("is before 1900")
    return value


def _listed(is_listed: Callable[[str], bool], what: str) -> Callable[[str], str]:
    """The check of a code from a list: read upper-cased, refused unless listed."""

    def check(value: str) -> str:
        value = value.strip().upper()
        if not is_listed(value):
            raise ValueError(f"is not {what}")
        return value

    return check


_region = _listed(is_ru_region, "an ISO 3166-2:RU region code (e.g. RU-MOW)")
_listed_country = _listed(is_country, "an ISO 3166-1 alpha-3 country code")


def _country(value: str) -> str:
    value = _listed_country(value)
    if value == "RUS":
        raise ValueError("citizens of Russia do not need a migration card")
    return value


_NO_CONTROL = {"pattern": r"^[^\u0000-\u001f\u007f]*\S[^\u0000-\u001f\u007f]*$"}
Text = Annotated[str, AfterValidator(_clean_text), PField(json_schema_extra=_NO_CONTROL)]
Name = Annotated[str, PField(min_length=1, max_length=100), AfterValidator(_name)]
LatinName = Annotated[str, PField(min_length=1, max_length=100), AfterValidator(_latin)]


RegionCode = Annotated[
    str,
    PField(min_length=4, max_length=8, json_schema_extra={"enum": sorted(ru_regions())}),
    AfterValidator(_region),
]
VisaNumber = Annotated[str, PField(max_length=32), AfterValidator(_document_number)]


class _Input(Input):
    model_config = ConfigDict(populate_by_name=True)


class DocumentIn(_Input):
    type: DocumentType
    number: Annotated[str, PField(min_length=1, max_length=32), AfterValidator(_document_number)]


class HolderIn(_Input):
    surname: Name
    given_names: Name | None = None
    # Derived from the native names when not given (validate_default runs the validator).
    surname_latin: LatinName | None = PField(default=None, validate_default=True)
    given_names_latin: LatinName | None = PField(default=None, validate_default=True)
    date_of_birth: Annotated[date, AfterValidator(_birth_date)]
    sex: Sex
    citizenship: Annotated[
        str,
        PField(
            min_length=3,
            max_length=3,
            json_schema_extra={"enum": sorted(set(countries()) - {"RUS"})},
        ),
        AfterValidator(_country),
    ]
    document: DocumentIn

    @field_validator("surname_latin", "given_names_latin")
    @classmethod
    def _latin_form(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            return value
        native_field = (info.field_name or "").removesuffix("_latin")
        native = info.data.get(native_field)
        if not native:  # no given names; or the native name was invalid (reported already)
            return None
        return derived_latin(native, native_field)


class StayIn(_Input):
    from_: date = PField(alias="from")
    until: date

    @field_validator("until")
    @classmethod
    def _check_until(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("from_")
        if start is not None and value < start:
            raise ValueError("is before planned_stay.from")
        if start is not None and (value - start).days > 5 * 366:
            raise ValueError("is more than five years after planned_stay.from")
        if value < clock.today():
            raise ValueError("is in the past")
        return value


class HostIn(_Input):
    kind: HostKind
    # None: not known yet (a worker often learns the host's details from the foreman later).
    name: Annotated[Text, PField(min_length=1, max_length=200)] | None = None
    address: Annotated[Text, PField(min_length=1, max_length=300)] | None = None


class CardCreate(_Input):
    holder: HolderIn
    purpose: Purpose
    visa_number: VisaNumber | None = None
    planned_stay: StayIn
    host: HostIn
    region: RegionCode
    occupation: Annotated[Text, PField(min_length=1, max_length=120)] | None = None
    language: Annotated[str, PField(pattern=r"^(ru|en|uz|tg|ky|kk)$")] = "ru"
    telegram_user_id: Annotated[int, PField(gt=0, lt=2**53)] | None = None

    @model_validator(mode="after")
    def _check(self) -> CardCreate:
        if self.planned_stay.from_ < self.holder.date_of_birth:
            raise FieldValueError("planned_stay.from", "is before holder.date_of_birth")
        return self


class EntryIn(_Input):
    crossing_point: Annotated[Text, PField(min_length=1, max_length=100)]
    entered_on: date | None = None


class ExitIn(_Input):
    crossing_point: Annotated[Text, PField(min_length=1, max_length=100)]
    exited_on: date | None = None


class ExtendIn(_Input):
    stay_until: date
    basis: Annotated[Text, PField(min_length=1, max_length=200)]


class RevokeIn(_Input):
    reason: Annotated[Text, PField(min_length=3, max_length=500)]


# ---------------------------------------------------------------------------- output


class DocumentOut(BaseModel):
    type: str | None
    number: str | None


class HolderOut(BaseModel):
    surname: str | None
    given_names: str | None
    surname_latin: str | None
    given_names_latin: str | None
    date_of_birth: date | None
    sex: str | None
    citizenship: str
    document: DocumentOut


class StayOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
    from_: date = PField(alias="from")
    until: date


class HostOut(BaseModel):
    kind: str | None
    name: str | None
    address: str | None


class CrossingOut(BaseModel):
    on: date
    crossing_point: str | None


class CardPublic(BaseModel):
    id: uuid.UUID
    number: str
    serial: int
    status: Status
    person_id: uuid.UUID
    holder: HolderOut
    purpose: Purpose
    visa_number: str | None
    planned_stay: StayOut
    stay_until: date
    host: HostOut | None  # None in the views of officers (what a check needs)
    region: str
    occupation: str | None
    language: str
    telegram_user_id: int | None
    entry: CrossingOut | None
    exit: CrossingOut | None
    revoked_reason: str | None
    created_at: datetime
    updated_at: datetime


class CardPage(BaseModel):
    items: list[CardPublic]
    next_cursor: str | None


class EventPublic(BaseModel):
    id: int
    kind: EventKind
    actor: str
    at: datetime
    reason: str | None
    data: dict[str, Any] | None


class EventList(BaseModel):
    items: list[EventPublic]


class PersonPublic(BaseModel):
    id: uuid.UUID
    holder: HolderOut
    language: str
    created_at: datetime
