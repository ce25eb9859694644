"""Names for the codes statistics group by, in Russian and English.

- Regions: ISO 3166-2:RU. English: the names ISO 3166-2 publishes (pycountry's data, a
  romanisation of the Russian name, e.g. "Sverdlovskaya oblast'"); Russian: the federal
  subjects' names as the Constitution lists them (service/reference/ru_regions_ru.py).
- Citizenships: ISO 3166-1 alpha-3 → the country's name from the Unicode CLDR through Babel
  ("Узбекистан", "Uzbekistan"); ICAO's special codes (XXA ...) by their ICAO meaning.
- Purposes: the wording of the paper migration card ("Цель визита").
- Occupations are free text on the card (the registry holds no ОКЗ / ISCO-08 code), so the
  label is the text itself; no classifier title is guessed for it.

A code without a known name is labelled with the code itself, never with an invented name.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

import pycountry
from babel import Locale

from service.reference.codes import ru_regions
from service.reference.ru_regions_ru import NAMES_RU
from service.stats.rollup import NOT_GIVEN


class Lang(StrEnum):
    ru = "ru"
    en = "en"


_PURPOSES = {
    "official": ("Служебная", "Official"),
    "tourism": ("Туризм", "Tourism"),
    "business": ("Деловая", "Business"),
    "study": ("Учёба", "Study"),
    "work": ("Работа", "Work"),
    "private": ("Частная", "Private"),
    "transit": ("Транзит", "Transit"),
    "humanitarian": ("Гуманитарная", "Humanitarian"),
}

_ICAO_SPECIAL = {
    "XXA": ("Лицо без гражданства", "Stateless person"),
    "XXB": ("Беженец (Конвенция 1951 года)", "Refugee (1951 Convention)"),
    "XXC": ("Беженец (иной)", "Refugee (other)"),
    "XXX": ("Гражданство не указано", "Unspecified nationality"),
}

_NOT_GIVEN = ("(не указано)", "(not given)")


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang is Lang.ru else pair[1]


@lru_cache
def regions(lang: Lang) -> dict[str, str]:
    if lang is Lang.en:
        return dict(ru_regions())
    return dict(NAMES_RU)


@lru_cache
def countries(lang: Lang) -> dict[str, str]:
    territories = Locale(lang.value).territories
    names: dict[str, str] = {}
    for c in pycountry.countries:
        names[c.alpha_3] = territories.get(c.alpha_2) or c.name
    names.update({code: _pick(pair, lang) for code, pair in _ICAO_SPECIAL.items()})
    return names


def label(dimension: str, code: str, lang: Lang) -> str:
    if dimension == "region":
        return regions(lang).get(code, code)
    if dimension == "citizenship":
        return countries(lang).get(code, code)
    if dimension == "purpose":
        pair = _PURPOSES.get(code)
        return _pick(pair, lang) if pair else code
    if dimension == "occupation" and code == NOT_GIVEN:
        return _pick(_NOT_GIVEN, lang)
    return code
