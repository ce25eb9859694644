"""Loading and checking the deadline policy (content/policy): obligations and calendars."""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from service.reference.codes import Purpose, countries

LANGUAGES = ("ru", "en", "uz", "tg", "ky", "kk")
EVENTS = ("entry", "permit_issue", "stay_end")
UNITS = ("calendar_days", "working_days", "months")
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "content" / "policy"


class PolicyError(ValueError):
    """A policy file is wrong; the message names the file and the problem."""


@dataclass(frozen=True)
class Rule:
    count: int
    unit: str
    purposes: frozenset[str] | None = None
    citizenships: frozenset[str] | None = None
    only_if_stay_longer_than_days: int | None = None


@dataclass(frozen=True)
class Obligation:
    id: str
    event: str
    base: Rule
    overrides: tuple[Rule, ...]
    purposes: frozenset[str] | None
    except_citizenships: frozenset[str]
    repeats: bool
    source: str
    reviewed: date
    review_by: date
    title: dict[str, str]
    how_to: dict[str, str]

    @property
    def reportable(self) -> bool:
        """Whether it can be marked done; the stay's end is met by an exit or an extension."""
        return self.event != "stay_end"

    def applies_to(self, *, purpose: str, citizenship: str) -> bool:
        if self.purposes is not None and purpose not in self.purposes:
            return False
        return citizenship not in self.except_citizenships

    def rule_for(self, *, purpose: str, citizenship: str, stay_days: int) -> Rule | None:
        for rule in self.overrides:
            if rule.purposes is not None and purpose not in rule.purposes:
                continue
            if rule.citizenships is not None and citizenship not in rule.citizenships:
                continue
            limit = rule.only_if_stay_longer_than_days
            if limit is not None and stay_days <= limit:
                return None  # the obligation does not arise for this stay
            return rule
        if self.purposes is not None and purpose not in self.purposes:
            return None
        return self.base


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[date]
    working_weekends: frozenset[date]
    years: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, count: int) -> date:
        day = start
        remaining = count
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day


@dataclass(frozen=True)
class Policy:
    version: int
    obligations: tuple[Obligation, ...]
    calendar: Calendar

    def get(self, obligation_id: str) -> Obligation | None:
        return next((o for o in self.obligations if o.id == obligation_id), None)

    def due(self, rule: Rule, event_day: date, occurrence: int = 1) -> date:
        if rule.unit == "calendar_days":
            return event_day + timedelta(days=rule.count)
        if rule.unit == "working_days":
            return self.calendar.add_working_days(event_day, rule.count)
        return add_months(event_day, rule.count * occurrence)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = _calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"{path}: cannot be read: {exc}") from None


def _codes(value: Any, path: Path, where: str, allowed: set[str]) -> frozenset[str]:
    if not isinstance(value, list) or not value:
        raise PolicyError(f"{path}: {where} must be a non-empty list")
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise PolicyError(f"{path}: {where} has unknown codes {unknown}")
    return frozenset(value)


def _rule(raw: dict[str, Any], path: Path, where: str) -> Rule:
    count, unit = raw.get("count"), raw.get("unit")
    if type(count) is not int or count < 0:
        raise PolicyError(f"{path}: {where}.count must be a whole number of days or months")
    if unit not in UNITS:
        raise PolicyError(f"{path}: {where}.unit must be one of {', '.join(UNITS)}")
    purposes = raw.get("purposes")
    cits = raw.get("citizenships")
    longer = raw.get("only_if_stay_longer_than_days")
    return Rule(
        count=count,
        unit=unit,
        purposes=_purposes(purposes, path, f"{where}.purposes"),
        citizenships=_citizenships(cits, path, f"{where}.citizenships"),
        only_if_stay_longer_than_days=int(longer) if longer is not None else None,
    )


def _purposes(value: Any, path: Path, where: str) -> frozenset[str] | None:
    return None if value is None else _codes(value, path, where, {p.value for p in Purpose})


def _citizenships(value: Any, path: Path, where: str) -> frozenset[str] | None:
    return None if value is None else _codes(value, path, where, set(countries()))


def _texts(raw: Any, path: Path, where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: {where} must give a text per language")
    missing = [lang for lang in LANGUAGES if not str(raw.get(lang) or "").strip()]
    if missing:
        raise PolicyError(f"{path}: {where} is missing languages {missing}")
    return {lang: str(raw[lang]).strip() for lang in LANGUAGES}


def _date(value: Any, path: Path, where: str) -> date:
    if isinstance(value, date):
        return value
    raise PolicyError(f"{path}: {where} must be a date (YYYY-MM-DD)")


def load(directory: Path = DEFAULT_DIR) -> Policy:
    """Read and check the policy; raises PolicyError naming the file and the problem."""
    path = directory / "obligations.yaml"
    raw = _read(path)
    if not isinstance(raw, dict) or type(raw.get("version")) is not int:
        raise PolicyError(f"{path}: needs a whole-number `version`")
    items = raw.get("obligations")
    if not isinstance(items, list) or not items:
        raise PolicyError(f"{path}: needs a list of `obligations`")
    seen: set[str] = set()
    obligations = []
    for i, item in enumerate(items):
        where = f"obligations[{i}]"
        oid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(oid, str) or not oid:
            raise PolicyError(f"{path}: {where} needs an id")
        if oid in seen:
            raise PolicyError(f"{path}: duplicate obligation id {oid!r}")
        seen.add(oid)
        where = f"obligation {oid!r}"
        if item.get("from") not in EVENTS:
            raise PolicyError(f"{path}: {where}.from must be one of {', '.join(EVENTS)}")
        applies = item.get("applies") or {}
        purposes = applies.get("purposes")
        if not str(item.get("source") or "").strip():
            raise PolicyError(f"{path}: {where} needs a source (law by name and article)")
        reviewed = _date(item.get("reviewed"), path, f"{where}.reviewed")
        review_by = _date(item.get("review_by"), path, f"{where}.review_by")
        if review_by <= reviewed:
            raise PolicyError(f"{path}: {where}.review_by must be after reviewed")
        obligations.append(
            Obligation(
                id=oid,
                event=item["from"],
                base=_rule(item, path, where),
                overrides=tuple(
                    _rule(o, path, f"{where}.overrides[{j}]")
                    for j, o in enumerate(item.get("overrides") or [])
                ),
                purposes=_purposes(purposes, path, f"{where}.applies.purposes"),
                except_citizenships=_citizenships(
                    applies.get("except_citizenships"), path, f"{where}.applies.except_citizenships"
                )
                or frozenset(),
                repeats=bool(item.get("repeats", False)),
                source=str(item["source"]),
                reviewed=reviewed,
                review_by=review_by,
                title=_texts(item.get("title"), path, f"{where}.title"),
                how_to=_texts(item.get("how_to"), path, f"{where}.how_to"),
            )
        )
    return Policy(
        version=raw["version"],
        obligations=tuple(obligations),
        calendar=_load_calendars(directory / "calendar"),
    )


def _load_calendars(directory: Path) -> Calendar:
    holidays: set[date] = set()
    working: set[date] = set()
    years: set[int] = set()
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise PolicyError(f"{directory}: no holiday calendar files (one per year)")
    for path in files:
        raw = _read(path)
        year = raw.get("year") if isinstance(raw, dict) else None
        if type(year) is not int or path.stem != str(year):
            raise PolicyError(f"{path}: `year` must match the file name")
        if not str(raw.get("source") or "").strip():
            raise PolicyError(f"{path}: needs a source")
        for key, target in (
            ("holidays", holidays),
            ("transferred_days_off", holidays),
            ("working_weekend_days", working),
        ):
            for day in raw.get(key) or []:
                day = _date(day, path, key)
                if day.year != year:
                    raise PolicyError(f"{path}: {key} has {day}, which is not in {year}")
                target.add(day)
        years.add(year)
    return Calendar(
        holidays=frozenset(holidays), working_weekends=frozenset(working), years=frozenset(years)
    )


@lru_cache
def current(directory: str | None = None) -> Policy:
    return load(Path(directory) if directory else DEFAULT_DIR)
