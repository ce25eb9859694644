"""Loading and checking the deadline policy (content/policy): regimes, obligations, calendars,
and the one function that counts a legal deadline."""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from service.checklist import schema
from service.checklist.schema import LANGUAGES, Event, PolicyError, Unit

__all__ = ["LANGUAGES", "Event", "PolicyError", "Unit"]

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "content" / "policy"


# ---------------------------------------------------------------------------------- regimes


@dataclass(frozen=True)
class Group:
    """A named list of citizenships (EAEU members, visa-free countries) with its source."""

    id: str
    citizenships: frozenset[str]
    source: str
    checked_on: date | None
    review_by: date


@dataclass(frozen=True)
class RegimeRule:
    id: str
    purposes: frozenset[str] | None
    group: str | None  # the citizenship must be in this group
    visa: bool | None  # True: the card has a visa; False: it has none; None: either


@dataclass(frozen=True)
class StayLimit:
    """The law's limit on a regime's stay, in words per language, with its source."""

    text: dict[str, str]
    source: str
    checked_on: date | None
    review_by: date


@dataclass(frozen=True)
class Regimes:
    groups: dict[str, Group]
    rules: tuple[RegimeRule, ...]
    ids: tuple[str, ...]
    stay_limits: dict[str, StayLimit]

    def of(self, *, citizenship: str, purpose: str, has_visa: bool) -> str:
        """The card's regime: the first rule that matches (the last rule matches everyone)."""
        for rule in self.rules:
            if rule.purposes is not None and purpose not in rule.purposes:
                continue
            if rule.group is not None and citizenship not in self.groups[rule.group].citizenships:
                continue
            if rule.visa is not None and rule.visa != has_visa:
                continue
            return rule.id
        return self.ids[-1]


# ------------------------------------------------------------------------------ obligations


@dataclass(frozen=True)
class Rule:
    count: int
    unit: Unit
    purposes: frozenset[str] | None = None
    citizenships: frozenset[str] | None = None
    regimes: frozenset[str] | None = None
    only_if_stay_longer_than_days: int | None = None
    approximate: str | None = None  # why a date under this rule is not certain


@dataclass(frozen=True)
class DayOffMove:
    """Whether a deadline falling on a day off moves to the next working day, and why."""

    applies: bool
    basis: str


@dataclass(frozen=True)
class Obligation:
    id: str
    event: Event
    base: Rule
    overrides: tuple[Rule, ...]
    regimes: frozenset[str] | None
    repeats: bool
    day_off_move: DayOffMove
    source: str
    checked_on: date | None
    review_by: date
    title: dict[str, str]
    how_to: dict[str, str]

    @property
    def reportable(self) -> bool:
        """Whether it can be marked done: the stay's end is met by an exit or an extension,
        a patent payment by recording the payment."""
        return self.event not in (Event.stay_end, Event.permit_paid_until)

    def applies_to(self, regime: str) -> bool:
        return self.regimes is None or regime in self.regimes

    def rule_for(
        self, *, regime: str, purpose: str, citizenship: str, stay_days: int
    ) -> Rule | None:
        if not self.applies_to(regime):
            return None
        for rule in self.overrides:
            if rule.purposes is not None and purpose not in rule.purposes:
                continue
            if rule.citizenships is not None and citizenship not in rule.citizenships:
                continue
            if rule.regimes is not None and regime not in rule.regimes:
                continue
            limit = rule.only_if_stay_longer_than_days
            if limit is not None and stay_days <= limit:
                return None  # the obligation does not arise for this stay
            return rule
        return self.base


@dataclass(frozen=True)
class NotModelled:
    id: str
    reason: str
    source: str


# -------------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class YearTransfers:
    year: int
    entered: bool  # False: the government's decree for this year is not entered yet
    days_off: frozenset[date]  # days made off by the decree
    working_days: frozenset[date]  # Saturdays or Sundays made working by the decree
    decree: str
    note: str


@dataclass(frozen=True)
class Calendar:
    """The production calendar: Saturdays and Sundays, the fixed public holidays (Labour Code
    art. 112 part 1), the part 2 move of a holiday falling on a weekend (computed by rule,
    except the new-year holidays) and the government's transfers entered per year."""

    holidays: tuple[tuple[int, int], ...]  # (month, day)
    no_move: frozenset[tuple[int, int]]  # the new-year holidays: moved by decree, not by rule
    transfers: dict[int, YearTransfers]
    _off: dict[int, frozenset[date]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def years(self) -> frozenset[int]:
        return frozenset(y for y, t in self.transfers.items() if t.entered)

    def days_off(self, year: int) -> frozenset[date]:
        """Every day of `year` that is not a working day."""
        cached = self._off.get(year)
        if cached is not None:
            return cached
        fixed = {date(year, m, d) for m, d in self.holidays}
        off = {d for d in _days_of(year) if d.weekday() >= 5} | fixed
        # art. 112 part 2: a holiday on a Saturday or Sunday moves the day off to the next
        # working day (the new-year holidays excepted: their moves are the decree's).
        for day in sorted(fixed):
            if day.weekday() >= 5 and (day.month, day.day) not in self.no_move:
                moved = day + timedelta(days=1)
                while moved in off:
                    moved += timedelta(days=1)
                if moved.year == year:
                    off.add(moved)
        entered = self.transfers.get(year)
        if entered is not None:
            off |= entered.days_off
            off -= entered.working_days
        result = frozenset(off)
        self._off[year] = result
        return result

    def is_working_day(self, day: date) -> bool:
        return day not in self.days_off(day.year)

    def uncertain_year(self, day: date) -> str | None:
        """Why working days of this day's year are not final, or None when they are."""
        entered = self.transfers.get(day.year)
        if entered is None:
            return (
                f"the government's transfers of days off for {day.year} are not entered; "
                "working days are counted from the Labour Code alone"
            )
        if not entered.entered:
            return f"the {day.year} production calendar is not final: {entered.note}".strip()
        return None


def _days_of(year: int) -> Iterable[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


# --------------------------------------------------------------------------------- counting


@dataclass(frozen=True)
class Deadline:
    on: date
    approximate: bool = False
    reason: str | None = None


def add_months(day: date, months: int) -> date:
    """Civil Code art. 192: the same-numbered day of the month `months` later, or that
    month's last day if it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = _calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def count_deadline(
    *, event: date, count: int, unit: str, calendar: Calendar, move_off_day: bool
) -> Deadline:
    """The last day of a period of `count` units after `event`, counted as the law counts:
    the period starts the day after the event (Civil Code art. 191); a period in months ends
    on the same-numbered day of its last month, or that month's last day (art. 192); with
    `move_off_day`, a last day that is not a working day moves to the next working day
    (art. 193). Working days follow `calendar`; a date that depends on a year whose
    calendar is not final is returned as approximate, with the reason."""
    reasons: list[str] = []

    def note(day: date) -> None:
        why = calendar.uncertain_year(day)
        if why and why not in reasons:
            reasons.append(why)

    if unit == "calendar_days":
        last = event + timedelta(days=count)
    elif unit == "months":
        last = add_months(event, count)
    elif unit == "working_days":
        last, remaining = event, count
        while remaining > 0:
            last += timedelta(days=1)
            note(last)
            if calendar.is_working_day(last):
                remaining -= 1
    else:
        raise ValueError(f"unknown unit {unit!r}")
    if move_off_day:
        note(last)
        while not calendar.is_working_day(last):
            last += timedelta(days=1)
            note(last)
    return Deadline(last, bool(reasons), "; ".join(reasons) or None)


@dataclass(frozen=True)
class Policy:
    version: int
    regimes: Regimes
    obligations: tuple[Obligation, ...]
    not_modelled: tuple[NotModelled, ...]
    calendar: Calendar

    def get(self, obligation_id: str) -> Obligation | None:
        return next((o for o in self.obligations if o.id == obligation_id), None)

    def due(self, ob: Obligation, rule: Rule, event_day: date) -> Deadline:
        found = count_deadline(
            event=event_day,
            count=rule.count,
            unit=rule.unit,
            calendar=self.calendar,
            move_off_day=ob.day_off_move.applies,
        )
        if rule.approximate:
            reason = "; ".join(r for r in (found.reason, rule.approximate) if r)
            return Deadline(found.on, True, reason)
        return found


# ---------------------------------------------------------------------------------- loading


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"{path}: cannot be read: {exc}") from None


def _load_regimes(path: Path) -> Regimes:
    raw = schema.validate(schema.RegimesFile, _read(path), path)
    groups = {
        gid: Group(
            id=gid,
            citizenships=g.citizenships,
            source=g.source,
            checked_on=g.checked_on,
            review_by=g.review_by,
        )
        for gid, g in raw.groups.items()
    }
    rules = tuple(
        RegimeRule(id=r.id, purposes=r.when.purposes, group=r.when.citizenship_in, visa=r.when.visa)
        for r in raw.regimes
    )
    ids = tuple(dict.fromkeys(r.id for r in rules))
    limits = {
        rid: StayLimit(
            text=dict(x.text), source=x.source, checked_on=x.checked_on, review_by=x.review_by
        )
        for rid, x in raw.stay_limits.items()
    }
    return Regimes(groups=groups, rules=rules, ids=ids, stay_limits=limits)


def _rule(raw: schema.RuleIn, path: Path, where: str, regimes: tuple[str, ...]) -> Rule:
    unknown = sorted((raw.regimes or frozenset()) - set(regimes))
    if unknown:
        raise PolicyError(f"{path}: {where}.regimes has unknown codes {unknown}")
    return Rule(**raw.model_dump(include=set(schema.RuleIn.model_fields)))


def _obligation(item: Any, i: int, path: Path, regimes: tuple[str, ...]) -> Obligation:
    oid = item.get("id") if isinstance(item, dict) else None
    where = f"obligation {oid!r}" if isinstance(oid, str) and oid else f"obligations[{i}]"
    raw = schema.validate(schema.ObligationIn, item, path, where)
    applies = raw.applies.regimes
    unknown = sorted((applies or frozenset()) - set(regimes))
    if unknown:
        raise PolicyError(f"{path}: {where}.applies.regimes has unknown codes {unknown}")
    return Obligation(
        id=raw.id,
        event=raw.event,
        base=_rule(raw, path, where, regimes),
        overrides=tuple(
            _rule(o, path, f"{where}.overrides[{j}]", regimes) for j, o in enumerate(raw.overrides)
        ),
        regimes=applies,
        repeats=raw.repeats,
        day_off_move=DayOffMove(raw.day_off_move.applies, raw.day_off_move.basis),
        source=raw.source,
        checked_on=raw.checked_on,
        review_by=raw.review_by,
        title=raw.title,
        how_to=raw.how_to,
    )


def load(directory: Path = DEFAULT_DIR) -> Policy:
    """Read and check the policy; raises PolicyError naming the file and the problem.
    Read once at start (service.main) and handed to the routes."""
    regimes = _load_regimes(directory / "regimes.yaml")
    path = directory / "obligations.yaml"
    raw = schema.validate(schema.ObligationsFile, _read(path), path)
    obligations = [
        _obligation(item, i, path, regimes.ids) for i, item in enumerate(raw.obligations)
    ]
    seen: set[str] = set()
    for ob in obligations:
        if ob.id in seen:
            raise PolicyError(f"{path}: duplicate obligation id {ob.id!r}")
        seen.add(ob.id)
    return Policy(
        version=raw.version,
        regimes=regimes,
        obligations=tuple(obligations),
        not_modelled=tuple(NotModelled(n.id, n.reason, n.source) for n in raw.not_modelled),
        calendar=_load_calendar(directory / "calendar"),
    )


def _load_calendar(directory: Path) -> Calendar:
    path = directory / "holidays.yaml"
    fixed = schema.validate(schema.HolidaysFile, _read(path), path)
    transfers: dict[int, YearTransfers] = {}
    for path in sorted(directory.glob("[0-9][0-9][0-9][0-9].yaml")):
        year = schema.validate(schema.YearFile, _read(path), path)
        if path.stem != str(year.year):
            raise PolicyError(f"{path}: `year` must match the file name")
        transfers[year.year] = YearTransfers(
            year=year.year,
            entered=year.transfers_entered,
            days_off=frozenset(t.to for t in year.transfers),
            working_days=frozenset(year.working_weekend_days),
            decree=year.decree,
            note=year.note,
        )
    return Calendar(
        holidays=fixed.holidays, no_move=frozenset(fixed.moved_by_decree_only), transfers=transfers
    )
