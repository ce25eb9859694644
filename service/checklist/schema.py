"""The shapes of the deadline policy's files (content/policy/README.md) as pydantic models.

Every model forbids unknown fields. ``problem`` turns a validation error into one line that
names the file, the entry and the field (``obligations.yaml: obligation 'x'.unit must be
one of ...``); checks across files (regime ids used by obligations) stay in ``policy.load``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from service.core import i18n
from service.reference.codes import Purpose, countries

LANGUAGES = i18n.LANGUAGES
_M = TypeVar("_M", bound=BaseModel)


class Event(StrEnum):
    """The day an obligation's period is counted from."""

    entry = "entry"
    stay_end = "stay_end"
    permit_issue = "permit_issue"
    permit_paid_until = "permit_paid_until"
    paid_beyond_stay = "paid_beyond_stay"


class Unit(StrEnum):
    calendar_days = "calendar_days"
    working_days = "working_days"
    months = "months"


def _one_of(kind: type[StrEnum]) -> Any:
    def check(value: Any) -> Any:
        if value not in tuple(kind):
            raise ValueError(f"must be one of {', '.join(kind)}")
        return value

    return check


def _codes(allowed: Any) -> Any:
    def check(value: Any) -> Any:
        if not isinstance(value, list) or not value:
            raise ValueError("must be a non-empty list")
        known = set(allowed())
        unknown = [v for v in value if v not in known]
        if unknown:
            raise ValueError(f"has unknown codes {unknown}")
        return frozenset(value)

    return check


def _ids(value: Any) -> Any:
    """Regime ids; checked against regimes.yaml after reading (a check across files)."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a non-empty list of ids")
    return frozenset(value)


def _text(value: Any) -> Any:
    if value is None or not str(value).strip():
        raise ValueError("is missing or empty")
    return str(value).strip()


def _a_date(value: Any) -> Any:
    if not isinstance(value, date):
        raise ValueError("must be a date (YYYY-MM-DD)")
    return value


def _checked_on(value: Any) -> Any:
    if value == "unknown":
        return None
    if not isinstance(value, date):
        raise ValueError("must be a date (YYYY-MM-DD) or `unknown`")
    return value


def _whole(value: Any) -> Any:
    if type(value) is not int or value < 0:
        raise ValueError("must be a whole number of days or months")
    return value


def _flag(value: Any) -> Any:
    if type(value) is not bool:
        raise ValueError("must be true or false")
    return value


def _texts(value: Any) -> Any:
    if not isinstance(value, dict):
        raise ValueError("must give a text per language")
    missing = [lang for lang in LANGUAGES if not str(value.get(lang) or "").strip()]
    if missing:
        raise ValueError(f"is missing languages {missing}")
    unknown = sorted(set(value) - set(LANGUAGES), key=str)
    if unknown:
        raise ValueError(f"has texts in unknown languages {unknown}")
    return {lang: str(value[lang]).strip() for lang in LANGUAGES}


Text = Annotated[str, BeforeValidator(_text)]
Day = Annotated[date, BeforeValidator(_a_date)]
CheckedOn = Annotated[date | None, BeforeValidator(_checked_on)]
Codes = frozenset[str]
Purposes = Annotated[Codes, BeforeValidator(_codes(lambda: (p.value for p in Purpose)))]
Citizenships = Annotated[Codes, BeforeValidator(_codes(countries))]
Ids = Annotated[Codes, BeforeValidator(_ids)]
Texts = Annotated[dict[str, str], BeforeValidator(_texts)]
Flag = Annotated[bool, BeforeValidator(_flag)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Sourced(Strict):
    """A source, the day someone read it (`unknown` when nobody recorded one) and the day
    by which it must be read again."""

    source: Text
    checked_on: CheckedOn
    review_by: Day

    @model_validator(mode="after")
    def _review_after_check(self) -> Sourced:
        if self.checked_on is not None and self.review_by <= self.checked_on:
            raise ValueError("review_by must be after checked_on")
        return self


# ------------------------------------------------------------------------------- regimes


class GroupIn(Sourced):
    citizenships: Citizenships


class When(Strict):
    purposes: Purposes | None = None
    citizenship_in: str | None = None
    visa: Flag | None = None


class RegimeIn(Strict):
    id: Text
    when: When = Field(default_factory=When)


class StayLimitIn(Sourced):
    """How long the law lets a person of the regime stay, in words per language (shown beside
    the stay planned on the card, which is not the limit)."""

    text: Texts


class RegimesFile(Strict):
    groups: dict[str, GroupIn]
    regimes: Annotated[list[RegimeIn], Field(min_length=1)]
    stay_limits: dict[str, StayLimitIn]

    @model_validator(mode="after")
    def _groups_exist_and_last_catches_all(self) -> RegimesFile:
        ids = {r.id for r in self.regimes}
        if missing := sorted(ids - set(self.stay_limits)):
            raise ValueError(f"stay_limits: no entry for regimes {missing}")
        if unknown := sorted(set(self.stay_limits) - ids):
            raise ValueError(f"stay_limits: unknown regimes {unknown}")
        for regime in self.regimes:
            group = regime.when.citizenship_in
            if group is not None and group not in self.groups:
                raise ValueError(f"regime {regime.id!r}.when.citizenship_in: no group {group!r}")
        if self.regimes[-1].when != When():
            raise ValueError("the last regime must have no conditions (it catches the rest)")
        return self


# --------------------------------------------------------------------------- obligations


class RuleIn(Strict):
    count: Annotated[int, BeforeValidator(_whole)]
    unit: Annotated[Unit, BeforeValidator(_one_of(Unit))]
    purposes: Purposes | None = None
    citizenships: Citizenships | None = None
    regimes: Ids | None = None
    only_if_stay_longer_than_days: Annotated[int, BeforeValidator(_whole)] | None = None
    approximate: Text | None = None  # why a date under this rule is not certain


class DayOffMoveIn(Strict):
    applies: Flag
    basis: Text


class AppliesIn(Strict):
    regimes: Ids | None = None


class ObligationIn(RuleIn, Sourced):
    id: Text
    event: Annotated[Event, BeforeValidator(_one_of(Event)), Field(alias="from")]
    day_off_move: DayOffMoveIn
    overrides: list[RuleIn] = Field(default_factory=list)
    applies: AppliesIn = Field(default_factory=AppliesIn)
    repeats: Flag = False
    title: Texts
    how_to: Texts


class NotModelledIn(Strict):
    id: Text
    reason: Text
    source: Text


class ObligationsFile(Strict):
    version: Annotated[int, BeforeValidator(_whole)]
    languages_status: dict[str, str] | None = None  # review status of the translated texts
    obligations: Annotated[list[Any], Field(min_length=1)]
    not_modelled: list[NotModelledIn] = Field(default_factory=list)


# ------------------------------------------------------------------------------ calendar


def _month_days(value: Any) -> Any:
    if not isinstance(value, list) or not value:
        raise ValueError("must list month-days (MM-DD)")
    out = []
    for item in value:
        try:
            month, day = (int(x) for x in str(item).split("-"))
            date(2024, month, day)  # a leap year: any real month-day is valid
        except ValueError:
            raise ValueError(f"has {item!r}, not a month-day MM-DD") from None
        out.append((month, day))
    return tuple(out)


MonthDays = Annotated[tuple[tuple[int, int], ...], BeforeValidator(_month_days)]


class HolidaysFile(Sourced):
    holidays: MonthDays
    moved_by_decree_only: MonthDays

    @model_validator(mode="after")
    def _no_move_among_holidays(self) -> HolidaysFile:
        if not set(self.moved_by_decree_only) <= set(self.holidays):
            raise ValueError("moved_by_decree_only must be among the holidays")
        return self


class TransferIn(Strict):
    from_: Annotated[Day, Field(alias="from")]
    to: Day


class YearFile(Sourced):
    year: int
    transfers_entered: Flag
    decree: str = ""
    note: str = ""
    transfers: list[TransferIn] = Field(default_factory=list)
    working_weekend_days: list[Day] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> YearFile:
        if self.transfers_entered and not self.decree.strip():
            raise ValueError("entered transfers need their `decree`")
        if not self.transfers_entered and not self.note.strip():
            raise ValueError("a calendar not entered needs a `note` saying why")
        for i, t in enumerate(self.transfers):
            if t.to.year != self.year:
                raise ValueError(f"transfers[{i}].to {t.to} is not in {self.year}")
            if t.from_.weekday() < 5:
                raise ValueError(
                    f"transfers[{i}].from {t.from_} is a weekday; a transfer moves a "
                    "Saturday's or Sunday's day off"
                )
        for day in self.working_weekend_days:
            if day.year != self.year or day.weekday() < 5:
                raise ValueError(f"working_weekend_days has {day}, not a {self.year} weekend")
        return self


# ------------------------------------------------------------------------------ messages


def problem(path: Path, exc: ValidationError, label: str = "") -> str:
    """The first error as one line: the file, the entry (``label``), the field and what is
    wrong with it."""
    err = exc.errors()[0]
    loc = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in err["loc"])
    if err["type"] == "extra_forbidden":
        loc, message = loc.rsplit(".", 1)[0], f"has an unknown field {err['loc'][-1]!r}"
    elif err["type"] == "missing":
        message = "is missing"
    elif err["type"] == "value_error":
        message = str(err["ctx"]["error"])
    else:
        message = err["msg"][:1].lower() + err["msg"][1:]
    where = f"{label}{loc}" if label else loc.lstrip(".")
    return f"{path}: {where} {message}".replace(":  ", ": ")


class PolicyError(ValueError):
    """A policy file is wrong; the message names the file and the problem."""


def validate(model: type[_M], data: Any, path: Path, label: str = "") -> _M:
    """``data`` as ``model``, or a PolicyError naming the file, the entry and the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(problem(path, exc, label)) from None
