"""Code lists the card fields are checked against (ISO 3166, the paper card's lists)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

import pycountry

# ICAO 9303 part 3 codes for people without a single nationality to state.
_ICAO_SPECIAL = {
    "XXA": "Stateless person",
    "XXB": "Refugee (1951 Convention)",
    "XXC": "Refugee (other)",
    "XXX": "Unspecified nationality",
}


class Purpose(StrEnum):
    """Purpose of the visit, the fixed list printed on the paper card."""

    official = "official"
    tourism = "tourism"
    business = "business"
    study = "study"
    work = "work"
    private = "private"
    transit = "transit"
    humanitarian = "humanitarian"


class Sex(StrEnum):
    male = "M"
    female = "F"


class DocumentType(StrEnum):
    passport = "passport"
    travel_document = "travel_document"
    id_card = "id_card"
    refugee_document = "refugee_document"
    stateless_document = "stateless_document"
    other = "other"


class HostKind(StrEnum):
    organisation = "organisation"
    person = "person"


@lru_cache
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-3 code → English short name, plus ICAO's special codes."""
    names = {c.alpha_3: c.name for c in pycountry.countries}
    names.update(_ICAO_SPECIAL)
    return names


@lru_cache
def ru_regions() -> dict[str, str]:
    """ISO 3166-2:RU subdivision code → name."""
    return {s.code: s.name for s in pycountry.subdivisions.get(country_code="RU")}


def is_country(code: str) -> bool:
    return code in countries()


def is_ru_region(code: str) -> bool:
    return code in ru_regions()
