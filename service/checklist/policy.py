"""Loading and checking the deadline policy (content/policy): regimes, obligations, calendars,
and the one function that counts a legal deadline."""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from service.core.i18n import LANGUAGES
from service.reference.codes import Purpose, countries

EVENTS = ("entry", "stay_end", "permit_issue", "permit_paid_until", "paid_beyond_stay")
UNITS = ("calendar_days", "working_days", "months")
CONFIDENCE = ("high", "medium", "low")
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "content" / "policy"


class PolicyError(ValueError):
    """A policy file is wrong; the message names the file and the problem."""


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
class Regimes:
    groups: dict[str, Group]
    rules: tuple[RegimeRule, ...]
    ids: tuple[str, ...]

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
    unit: str
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
    event: str
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
        return self.event not in ("stay_end", "permit_paid_until")

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


def _codes(value: Any, path: Path, where: str, allowed: Iterable[str]) -> frozenset[str]:
    if not isinstance(value, list) or not value:
        raise PolicyError(f"{path}: {where} must be a non-empty list")
    allowed = set(allowed)
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise PolicyError(f"{path}: {where} has unknown codes {unknown}")
    return frozenset(value)


def _rule(raw: dict[str, Any], path: Path, where: str, regimes: tuple[str, ...]) -> Rule:
    count, unit = raw.get("count"), raw.get("unit")
    if type(count) is not int or count < 0:
        raise PolicyError(f"{path}: {where}.count must be a whole number of days or months")
    if unit not in UNITS:
        raise PolicyError(f"{path}: {where}.unit must be one of {', '.join(UNITS)}")
    longer = raw.get("only_if_stay_longer_than_days")
    approximate = raw.get("approximate")
    if approximate is not None and not str(approximate).strip():
        raise PolicyError(f"{path}: {where}.approximate must say why")
    return Rule(
        count=count,
        unit=unit,
        purposes=_purposes(raw.get("purposes"), path, f"{where}.purposes"),
        citizenships=_citizenships(raw.get("citizenships"), path, f"{where}.citizenships"),
        regimes=_optional(raw.get("regimes"), path, f"{where}.regimes", regimes),
        only_if_stay_longer_than_days=int(longer) if longer is not None else None,
        approximate=str(approximate).strip() if approximate is not None else None,
    )


def _optional(value: Any, path: Path, where: str, allowed: Iterable[str]) -> frozenset[str] | None:
    return None if value is None else _codes(value, path, where, allowed)


def _purposes(value: Any, path: Path, where: str) -> frozenset[str] | None:
    return _optional(value, path, where, (p.value for p in Purpose))


def _citizenships(value: Any, path: Path, where: str) -> frozenset[str] | None:
    return _optional(value, path, where, countries())


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


def _checked(raw: dict[str, Any], path: Path, where: str) -> tuple[date | None, date]:
    """`checked_on` (the day someone read the source, or `unknown`) and `review_by`."""
    if not str(raw.get("source") or "").strip():
        raise PolicyError(f"{path}: {where} needs a source (law by name and article)")
    if "checked_on" not in raw:
        raise PolicyError(f"{path}: {where} needs checked_on (a date, or `unknown`)")
    value = raw["checked_on"]
    checked = None if value == "unknown" else _date(value, path, f"{where}.checked_on")
    review_by = _date(raw.get("review_by"), path, f"{where}.review_by")
    if checked is not None and review_by <= checked:
        raise PolicyError(f"{path}: {where}.review_by must be after checked_on")
    return checked, review_by


def _load_regimes(path: Path) -> Regimes:
    raw = _read(path)
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: needs `groups` and `regimes`")
    groups: dict[str, Group] = {}
    for gid, item in (raw.get("groups") or {}).items():
        where = f"group {gid!r}"
        if not isinstance(item, dict):
            raise PolicyError(f"{path}: {where} must be a mapping")
        checked, review_by = _checked(item, path, where)
        groups[gid] = Group(
            id=gid,
            citizenships=_codes(
                item.get("citizenships"), path, f"{where}.citizenships", countries()
            ),
            source=str(item["source"]),
            checked_on=checked,
            review_by=review_by,
        )
    rules = []
    for i, item in enumerate(raw.get("regimes") or []):
        rid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(rid, str) or not rid:
            raise PolicyError(f"{path}: regimes[{i}] needs an id")
        when = item.get("when") or {}
        group = when.get("citizenship_in")
        if group is not None and group not in groups:
            raise PolicyError(f"{path}: regime {rid!r}.when.citizenship_in: no group {group!r}")
        visa = when.get("visa")
        if visa is not None and type(visa) is not bool:
            raise PolicyError(f"{path}: regime {rid!r}.when.visa must be true or false")
        rules.append(
            RegimeRule(
                id=rid,
                purposes=_purposes(when.get("purposes"), path, f"regime {rid!r}.when.purposes"),
                group=group,
                visa=visa,
            )
        )
    if not rules or any((r.purposes, r.group, r.visa) != (None, None, None) for r in rules[-1:]):
        raise PolicyError(f"{path}: the last regime must have no conditions (it catches the rest)")
    ids = tuple(dict.fromkeys(r.id for r in rules))
    return Regimes(groups=groups, rules=tuple(rules), ids=ids)


def load(directory: Path = DEFAULT_DIR) -> Policy:
    """Read and check the policy; raises PolicyError naming the file and the problem."""
    regimes = _load_regimes(directory / "regimes.yaml")
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
        checked, review_by = _checked(item, path, where)
        move = item.get("day_off_move")
        if (
            not isinstance(move, dict)
            or type(move.get("applies")) is not bool
            or not str(move.get("basis") or "").strip()
        ):
            raise PolicyError(
                f"{path}: {where}.day_off_move needs `applies` (true/false) and its `basis`"
            )
        obligations.append(
            Obligation(
                id=oid,
                event=item["from"],
                base=_rule(item, path, where, regimes.ids),
                overrides=tuple(
                    _rule(o, path, f"{where}.overrides[{j}]", regimes.ids)
                    for j, o in enumerate(item.get("overrides") or [])
                ),
                regimes=_optional(
                    applies.get("regimes"), path, f"{where}.applies.regimes", regimes.ids
                ),
                repeats=bool(item.get("repeats", False)),
                day_off_move=DayOffMove(move["applies"], str(move["basis"]).strip()),
                source=str(item["source"]),
                checked_on=checked,
                review_by=review_by,
                title=_texts(item.get("title"), path, f"{where}.title"),
                how_to=_texts(item.get("how_to"), path, f"{where}.how_to"),
            )
        )
    not_modelled = []
    for i, item in enumerate(raw.get("not_modelled") or []):
        if not isinstance(item, dict) or not all(
            str(item.get(k) or "").strip() for k in ("id", "reason", "source")
        ):
            raise PolicyError(f"{path}: not_modelled[{i}] needs id, reason and source")
        not_modelled.append(NotModelled(str(item["id"]), str(item["reason"]), str(item["source"])))
    return Policy(
        version=raw["version"],
        regimes=regimes,
        obligations=tuple(obligations),
        not_modelled=tuple(not_modelled),
        calendar=_load_calendar(directory / "calendar"),
    )


def _load_calendar(directory: Path) -> Calendar:
    path = directory / "holidays.yaml"
    raw = _read(path)
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: needs `holidays`")
    _checked(raw, path, "holidays")

    def month_days(key: str) -> tuple[tuple[int, int], ...]:
        out = []
        for value in raw.get(key) or []:
            try:
                month, day = (int(x) for x in str(value).split("-"))
                date(2024, month, day)  # a leap year: any real month-day is valid
            except ValueError:
                raise PolicyError(f"{path}: {key} has {value!r}, not a month-day MM-DD") from None
            out.append((month, day))
        if not out:
            raise PolicyError(f"{path}: {key} must list month-days (MM-DD)")
        return tuple(out)

    holidays = month_days("holidays")
    no_move = frozenset(month_days("moved_by_decree_only"))
    if not no_move <= set(holidays):
        raise PolicyError(f"{path}: moved_by_decree_only must be among the holidays")
    transfers: dict[int, YearTransfers] = {}
    for path in sorted(directory.glob("[0-9][0-9][0-9][0-9].yaml")):
        raw = _read(path)
        year = raw.get("year") if isinstance(raw, dict) else None
        if type(year) is not int or path.stem != str(year):
            raise PolicyError(f"{path}: `year` must match the file name")
        _checked(raw, path, "the calendar")
        entered = raw.get("transfers_entered")
        if type(entered) is not bool:
            raise PolicyError(f"{path}: transfers_entered must be true or false")
        if entered and not str(raw.get("decree") or "").strip():
            raise PolicyError(f"{path}: entered transfers need their `decree`")
        if not entered and not str(raw.get("note") or "").strip():
            raise PolicyError(f"{path}: a calendar not entered needs a `note` saying why")
        days: dict[str, set[date]] = {"days_off": set(), "working_days": set()}
        for i, t in enumerate(raw.get("transfers") or []):
            if not isinstance(t, dict):
                raise PolicyError(f"{path}: transfers[{i}] must have `from` and `to`")
            src = _date(t.get("from"), path, f"transfers[{i}].from")
            dst = _date(t.get("to"), path, f"transfers[{i}].to")
            if dst.year != year:
                raise PolicyError(f"{path}: transfers[{i}].to {dst} is not in {year}")
            if src.weekday() < 5:
                raise PolicyError(
                    f"{path}: transfers[{i}].from {src} is a weekday; a transfer moves a "
                    "Saturday's or Sunday's day off"
                )
            days["days_off"].add(dst)
        for day in raw.get("working_weekend_days") or []:
            day = _date(day, path, "working_weekend_days")
            if day.year != year or day.weekday() < 5:
                raise PolicyError(f"{path}: working_weekend_days has {day}, not a {year} weekend")
            days["working_days"].add(day)
        transfers[year] = YearTransfers(
            year=year,
            entered=entered,
            days_off=frozenset(days["days_off"]),
            working_days=frozenset(days["working_days"]),
            decree=str(raw.get("decree") or ""),
            note=str(raw.get("note") or ""),
        )
    return Calendar(holidays=holidays, no_move=no_move, transfers=transfers)


@lru_cache
def current(directory: str | None = None) -> Policy:
    return load(Path(directory) if directory else DEFAULT_DIR)
