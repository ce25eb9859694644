"""The Latin form the bot shows before confirming is the one the service would print."""

from __future__ import annotations

import pytest

from bot.latin import to_icao_latin as bot_latin
from service.reference.translit import to_icao_latin as service_latin

NAMES = [
    "Каримов",
    "Шухрат",
    "Тошматова Дильноза",
    "Ёқубов",
    "Ғуломов",
    "Қодирова",
    "Ҷӯраев",
    "Ҳасанов",
    "Өмүрбеков",
    "Үсөнова",
    "Әбілқайыр",
    "Ұлжан",
    "Щукин-Юрьев",
    "Oʻrinboyev",
    "G‘afurov",
    "Müller",
    "Łukasz",
]


@pytest.mark.parametrize("name", NAMES)
def test_the_bot_spells_names_as_the_service_does(name: str):
    assert bot_latin(name) == service_latin(name)
