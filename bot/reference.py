"""The code lists of the card's fields, with labels in the user's language.

Country names come from CLDR (through Babel), which names every country in all six of our
languages; region names from ISO 3166-2 (through pycountry), as the service checks them.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import pycountry
from aiogram.utils.i18n import get_i18n
from babel import Locale

from bot.i18n import LANGUAGES, N_, _

_DATA = Path(__file__).resolve().parent / "data"

SEXES = {"M": N_("Male"), "F": N_("Female")}
DOCUMENT_TYPES = {
    "passport": N_("Passport"),
    "travel_document": N_("Travel document"),
    "id_card": N_("Identity card"),
    "refugee_document": N_("Refugee document"),
    "stateless_document": N_("Stateless person's document"),
    "other": N_("Other document"),
}
PURPOSES = {
    "work": N_("Work"),
    "study": N_("Study"),
    "private": N_("Private visit"),
    "tourism": N_("Tourism"),
    "business": N_("Business"),
    "official": N_("Official visit"),
    "transit": N_("Transit"),
    "humanitarian": N_("Humanitarian"),
}
HOST_KINDS = {"organisation": N_("An organisation"), "person": N_("A private person")}
STATUSES = {
    "pending_entry": N_("registered, waiting for entry at the border"),
    "active": N_("active (entry recorded)"),
    "expired": N_("expired (the permitted stay has ended)"),
    "closed": N_("closed (exit recorded)"),
    "revoked": N_("revoked"),
}
# ICAO 9303 codes for people without a single nationality to state.
_SPECIAL_COUNTRIES = {
    "XXA": N_("Stateless person"),
    "XXB": N_("Refugee (1951 Convention)"),
    "XXC": N_("Refugee (other)"),
    "XXX": N_("Unspecified nationality"),
}
# The largest arriving groups first; everything else is typed (name or code).
COMMON_CITIZENSHIPS = (
    "UZB",
    "TJK",
    "KGZ",
    "KAZ",
    "ARM",
    "AZE",
    "TKM",
    "MDA",
    "UKR",
    "CHN",
    "IND",
    "VNM",
)
COMMON_REGIONS = {
    "RU-MOW": N_("Moscow"),
    "RU-MOS": N_("Moscow Oblast"),
    "RU-SPE": N_("Saint Petersburg"),
    "RU-LEN": N_("Leningrad Oblast"),
    "RU-KDA": N_("Krasnodar Krai"),
    "RU-SVE": N_("Sverdlovsk Oblast"),
    "RU-TA": N_("Tatarstan"),
    "RU-NVS": N_("Novosibirsk Oblast"),
}


def label(table: Mapping[str, str], code: str) -> str:
    """The translated label of a code, or the code itself when it is not in the table."""
    return _(table[code]) if code in table else code


# ------------------------------------------------------------------------------ countries


@lru_cache
def countries() -> dict[str, str]:
    """Alpha-3 → alpha-2 for the countries a card may name (not Russia), plus ICAO codes."""
    codes = {c.alpha_3: c.alpha_2 for c in pycountry.countries}
    codes.update({code: "" for code in _SPECIAL_COUNTRIES})
    return codes


def is_country(code: str) -> bool:
    return code in countries()


def country_name(code: str, language: str) -> str:
    if code in _SPECIAL_COUNTRIES:
        return _(_SPECIAL_COUNTRIES[code])
    alpha2 = countries().get(code)
    if alpha2:
        name = _locale(language).territories.get(alpha2)
        if name:
            return str(name)
        country = pycountry.countries.get(alpha_3=code)
        if country is not None:
            return str(country.name)
    return code


@lru_cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


@lru_cache
def _country_index() -> dict[str, frozenset[str]]:
    """Every name we know for a country, in each of our languages, folded → codes."""
    index: dict[str, set[str]] = {}

    def add(name: str, code: str) -> None:
        index.setdefault(_bare(name), set()).add(code)

    for country in pycountry.countries:
        code = country.alpha_3
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                add(value, code)
        for language in LANGUAGES:
            name = _locale(language).territories.get(country.alpha_2)
            if name:
                add(str(name), code)
    return {k: frozenset(v) for k, v in index.items()}


def _bare(text: str) -> str:
    """Folded, without apostrophes: "ozbekiston" finds "Oʻzbekiston"."""
    return _fold(text).replace("'", "").replace("’", "").replace("ʼ", "")


def find_countries(text: str) -> list[str]:
    """Codes matching a typed code or name: exact matches, else names that start with it."""
    query = _bare(text)
    if not query:
        return []
    upper = query.upper()
    if len(upper) == 3 and upper in countries():
        return [upper]
    if len(upper) == 2:
        country = pycountry.countries.get(alpha_2=upper)
        if country is not None:
            return [country.alpha_3]
    index = _country_index()
    if query in index:
        return sorted(index[query])
    found: set[str] = set()
    if len(query) >= 3:
        for name, codes in index.items():
            if name.startswith(query) or f" {query}" in name:
                found |= codes
    return sorted(found)


# ------------------------------------------------------------------------------ regions


@lru_cache
def regions() -> dict[str, str]:
    """ISO 3166-2:RU code → name, ordered by name."""
    rows = pycountry.subdivisions.get(country_code="RU") or []
    return dict(sorted(((s.code, s.name) for s in rows), key=lambda item: _fold(item[1])))


def region_name(code: str, language: str | None = None) -> str:
    """The region in the user's language: our translation for the common ones, else the
    official Russian name (in Cyrillic; English readers get ISO's Latin spelling)."""
    if code in COMMON_REGIONS:
        return _(COMMON_REGIONS[code])
    language = language or _current_language()
    if language == "en":
        return regions().get(code, code)
    return russian_regions().get(code, regions().get(code, code))


def _current_language() -> str:
    try:
        return str(get_i18n().current_locale)
    except LookupError:  # outside an update (a script, a test of this module)
        return "ru"


def regions_in_order(language: str | None = None) -> list[str]:
    """Every region code, sorted by the name shown in the user's language."""
    language = language or _current_language()
    return sorted(regions(), key=lambda code: _fold(region_name(code, language)))


@lru_cache
def russian_regions() -> dict[str, str]:
    """ISO 3166-2:RU code → the region's official Russian name (data/ru_regions.csv)."""
    with (_DATA / "ru_regions.csv").open(encoding="utf-8") as rows:
        return {row["code"]: row["name_ru"] for row in csv.DictReader(rows)}


@lru_cache
def _cities() -> dict[str, str]:
    """The largest Russian cities (data/ru_cities.csv), by their searchable key → region."""
    with (_DATA / "ru_cities.csv").open(encoding="utf-8") as rows:
        return {_key(row["city_ru"]): row["region"] for row in csv.DictReader(rows)}


@lru_cache
def _region_keys() -> dict[str, tuple[str, ...]]:
    keys: dict[str, tuple[str, ...]] = {}
    for code, iso in regions().items():
        names = [iso, russian_regions().get(code, "")]
        if code in COMMON_REGIONS:
            names.append(COMMON_REGIONS[code])
        keys[code] = tuple(_key(n) for n in names if n)
    return keys


def find_regions(text: str) -> list[str]:
    """Regions matching a typed name, in Russian (Cyrillic or Latin letters), English or the
    user's language; a city among the largest gives its region. Each word typed must start
    a word of the name ("moskva oblast" is Moskovskaya oblast'); an exact name wins."""
    query = _fold(text)
    if not query:
        return []
    code = query.upper() if query.upper().startswith("RU-") else "RU-" + query.upper()
    if code in regions():
        return [code]
    key = _key(text)
    if not key:
        return []
    translated = {c: _key(_translated(name)) for c, name in COMMON_REGIONS.items()}
    exact = [c for c, names in _region_keys().items() if key in names or translated.get(c) == key]
    if exact:
        return exact
    if key in _cities():
        return [_cities()[key]]
    words = [w[:4] for w in key.split() if len(w) >= 3]
    if not words:
        return []
    found = []
    for code, names in _region_keys().items():
        candidates = (*names, translated.get(code, ""))
        if any(_all_words_start(words, name) for name in candidates if name):
            found.append(code)
    return found


def _translated(name: str) -> str:
    try:
        return _(name)
    except LookupError:  # outside an update: the English name only
        return name


def _all_words_start(stems: list[str], name: str) -> bool:
    parts = name.split()
    return all(any(part.startswith(stem) for part in parts) for stem in stems)


def _key(text: str) -> str:
    """Lower-case Latin letters and spaces: Cyrillic spelt as ISO spells Russian, apostrophes,
    hyphens and punctuation gone ("Ростов-на-Дону" → "rostov na donu")."""
    folded = text.casefold().replace("ё", "е")
    latin = "".join(_RU_LATIN.get(c, c) for c in folded)
    latin = unicodedata.normalize("NFKD", latin)
    kept = "".join(c if c.isalnum() else (" " if c in " -,.()—" else "") for c in latin)
    plain = " ".join("".join(c for c in kept if not unicodedata.combining(c)).split())
    return re.sub(r"\bye", "e", plain)  # "Yekaterinburg" and "Екатеринбург" alike


# Russian in Latin letters as ISO 3166-2:RU writes region names (BGN/PCGN-like).
_RU_LATIN = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "'",
    "э": "e",
    "ю": "yu",
    "я": "ya",
}


def _plain(text: str) -> str:
    return text.replace("'", "").replace("’", "")


def _fold(text: str) -> str:
    return " ".join(text.replace("ʻ", "'").replace("‘", "'").casefold().split())
