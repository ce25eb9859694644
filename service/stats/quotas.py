"""Yearly regional quota and patent figures (content/policy/quotas/<year>.yaml), and the
registered work cards beside them.

A file is empty until an official figure is entered; every figure carries its source and the
day it was checked. Nothing here invents a figure: a region without one is simply not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import func
from sqlmodel import Session, col, select

from service.cards.models import Card
from service.core import clock
from service.reference.codes import Purpose, is_ru_region
from service.stats.disclosure import protect
from service.stats.labels import Lang, label
from service.stats.service import MOSCOW

KINDS = ("quota", "patents")


class QuotaError(ValueError):
    """A quota file is wrong; the message names the file and the problem."""


@dataclass(frozen=True)
class Figure:
    value: int
    source: str
    checked_on: date


def _figure(raw: Any, where: str) -> Figure:
    if not isinstance(raw, dict) or set(raw) != {"value", "source", "checked_on"}:
        raise QuotaError(f"{where}: needs exactly value, source and checked_on")
    value, source, checked = raw["value"], raw["source"], raw["checked_on"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise QuotaError(f"{where}.value: must be a whole number, 0 or more")
    if not isinstance(source, str) or len(source.strip()) < 5:
        raise QuotaError(f"{where}.source: must say where the figure comes from")
    if not isinstance(checked, date) or isinstance(checked, datetime):
        raise QuotaError(f"{where}.checked_on: must be a date (YYYY-MM-DD)")
    if checked > clock.today():
        raise QuotaError(f"{where}.checked_on: is in the future")
    return Figure(value=value, source=source.strip(), checked_on=checked)


def load_year(path: Path) -> dict[str, dict[str, Figure]]:
    """region code → {"quota"|"patents": Figure}; raises QuotaError naming the file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise QuotaError(f"{path.name}: cannot be read: {exc}") from exc
    if not isinstance(raw, dict) or set(raw) != {"year", "regions"}:
        raise QuotaError(f"{path.name}: needs exactly the keys year and regions")
    if str(raw["year"]) != path.stem:
        raise QuotaError(f"{path.name}: year {raw['year']} does not match the file name")
    regions = raw["regions"] or {}
    if not isinstance(regions, dict):
        raise QuotaError(f"{path.name}: regions must be a mapping of region codes")
    out: dict[str, dict[str, Figure]] = {}
    for code, figures in regions.items():
        where = f"{path.name}: regions.{code}"
        if not isinstance(code, str) or not is_ru_region(code):
            raise QuotaError(f"{where}: not an ISO 3166-2:RU code")
        if not isinstance(figures, dict) or not figures or set(figures) - set(KINDS):
            raise QuotaError(f"{where}: give quota and/or patents")
        out[code] = {kind: _figure(value, f"{where}.{kind}") for kind, value in figures.items()}
    return out


def load(directory: Path) -> dict[int, dict[str, dict[str, Figure]]]:
    """Every <year>.yaml in the directory (none is fine)."""
    if not directory.is_dir():
        return {}
    years = {}
    for path in sorted(directory.glob("*.yaml")):
        if not path.stem.isdigit():
            raise QuotaError(f"{path.name}: the file name must be the year, e.g. 2026.yaml")
        years[int(path.stem)] = load_year(path)
    return years


class FigureOut(BaseModel):
    value: int
    source: str
    checked_on: date


class QuotaRow(BaseModel):
    code: str
    label: str
    quota: FigureOut | None
    patents: FigureOut | None
    work_cards: int | None = PField(
        description="Cards with purpose work registered in the year; null when suppressed"
    )


class QuotaStats(BaseModel):
    year: int
    lang: Lang
    min_cell: int
    round_base: int
    regions: list[QuotaRow] = PField(description="Only regions with an official figure")
    as_of: datetime


def quota_stats(
    *,
    session: Session,
    figures: dict[str, dict[str, Figure]],
    year: int,
    lang: Lang,
    min_cell: int,
    round_base: int,
) -> QuotaStats:
    counts: dict[str, int] = {}
    if figures:
        low = datetime.combine(date(year, 1, 1), time(), tzinfo=MOSCOW)
        stmt = (
            select(col(Card.region), func.count())
            .where(
                col(Card.purpose) == Purpose.work.value,
                col(Card.region).in_(list(figures)),
                col(Card.created_at) >= low.astimezone(UTC),
            )
            .group_by(col(Card.region))
        )
        if year < 9999:
            high = datetime.combine(date(year + 1, 1, 1), time(), tzinfo=MOSCOW)
            stmt = stmt.where(col(Card.created_at) < high.astimezone(UTC))
        counts = {str(code): int(n) for code, n in session.exec(stmt).all()}

    def out(f: Figure | None) -> FigureOut | None:
        return FigureOut(value=f.value, source=f.source, checked_on=f.checked_on) if f else None

    rows = [
        QuotaRow(
            code=code,
            label=label("region", code, lang),
            quota=out(kinds.get("quota")),
            patents=out(kinds.get("patents")),
            work_cards=protect(counts.get(code, 0), min_cell=min_cell, base=round_base)
            if counts.get(code)
            else 0,
        )
        for code, kinds in sorted(figures.items())
    ]
    return QuotaStats(
        year=year, lang=lang, min_cell=min_cell, round_base=round_base, regions=rows,
        as_of=clock.now(),
    )  # fmt: skip
