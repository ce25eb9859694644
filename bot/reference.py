"""The code lists of the card's fields, with labels in the user's language.

Country names come from CLDR (through Babel), which names every country in all six of our
languages; region names from ISO 3166-2 (through pycountry), as the service checks them.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry
from babel import Locale

from bot.i18n import LANGUAGES, N_, _

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


def label(table: dict[str, str], code: str) -> str:
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
        index.setdefault(_fold(name), set()).add(code)

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


def find_countries(text: str) -> list[str]:
    """Codes matching a typed code or name: exact matches, else names that start with it."""
    query = _fold(text)
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


def region_name(code: str) -> str:
    if code in COMMON_REGIONS:
        return _(COMMON_REGIONS[code])
    return regions().get(code, code)


def find_regions(text: str) -> list[str]:
    """Region codes matching a typed code ("RU-MOW", "MOW") or part of a name.

    ISO names are Russian names in Latin letters ("Moskva", "Sverdlovskaya oblast'"), so a
    name typed in Cyrillic is spelled in Latin letters the same way before comparing.
    """
    query = _fold(text)
    if not query:
        return []
    code = query.upper() if query.upper().startswith("RU-") else "RU-" + query.upper()
    if code in regions():
        return [code]
    latin = _plain("".join(_RU_LATIN.get(c, c) for c in query))
    found = []
    for code, name in regions().items():
        names = (_plain(_fold(name)), _plain(_fold(COMMON_REGIONS.get(code, ""))))
        if any(latin in n for n in names if n):
            found.append(code)
    return found


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
