"""Dates as people write and read them: month names in the six languages, short years.

Plain functions without Telegram. Display follows the language ("8 декабря 2026",
"8-dekabr 2026"); parsing accepts what phones produce ("17.4.96", "17 aprel 1996",
"05/11/1998") and refuses what it cannot read unambiguously.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# Month names as shown (in the form used after a day number).
_SHOWN = {
    "ru": ("января февраля марта апреля мая июня июля августа сентября октября ноября декабря"),
    "en": "January February March April May June July August September October November December",
    "uz": "yanvar fevral mart aprel may iyun iyul avgust sentabr oktabr noyabr dekabr",
    "tg": "январи феврали марти апрели майи июни июли августи сентябри октябри ноябри декабри",
    "ky": "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
    "kk": "қаңтар ақпан наурыз сәуір мамыр маусым шілде тамыз қыркүйек қазан қараша желтоқсан",
}
MONTHS = {language: tuple(names.split()) for language, names in _SHOWN.items()}

# How a month's name starts, in any of the six languages, Latin or Cyrillic script.
_STEMS: tuple[tuple[str, ...], ...] = (
    ("jan", "yan", "янв", "қаң", "кан"),
    ("feb", "fev", "фев", "ақп", "акп"),
    ("mar", "мар", "нау"),
    ("apr", "апр", "сәу", "сау"),
    ("may", "mai", "май", "мая", "мам"),
    ("jun", "iyun", "июн", "мау"),
    ("jul", "iyul", "июл", "шіл", "шил"),
    ("aug", "avg", "авг", "там"),
    ("sep", "sen", "сен", "қыр", "кыр"),
    ("oct", "okt", "окт", "қаз"),
    ("nov", "ноя", "қар"),
    ("dec", "dek", "дек", "жел"),
)


def long_date(value: date, language: str) -> str:
    """The date with the month's name, the way the language writes it."""
    month = MONTHS.get(language, MONTHS["en"])[value.month - 1]
    if language == "uz":
        return f"{value.day}-{month} {value.year}"
    if language == "kk":
        return f"{value.year} ж. {value.day} {month}"
    if language == "ky":
        return f"{value.year}-ж. {value.day}-{month}"
    return f"{value.day} {month} {value.year}"


def month_number(word: str) -> int | None:
    """1–12 for a month's name (or its start, three letters at least) in any language."""
    word = unicodedata.normalize("NFC", word.casefold()).strip(".,")
    if len(word) < 3:
        return None
    found = {n for n, stems in enumerate(_STEMS, start=1) for s in stems if word.startswith(s)}
    return found.pop() if len(found) == 1 else None


class DateError(ValueError):
    """``code``: "date_format" (not a date) or "date_impossible" (no such day)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_NUMERIC = re.compile(r"^(\d{1,2})\s*[./\-\s]\s*(\d{1,2})\s*[./\-\s]\s*(\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDS = re.compile(r"^(\d{1,2})[\s.\-]*([^\d\s.,\-]+)[\s.,\-]*(\d{4}|\d{2})(?:[\s\-]+\S{1,5})?$")
_WORDS_YEAR_FIRST = re.compile(r"^(\d{4})\s*\S{0,5}\s+(\d{1,2})[\s\-]*([^\d\s.,\-]+)$")


def parse(text: str, *, century: int | None = None, today: date | None = None) -> date:
    """A typed date. Two-digit years: with ``today`` (birth dates) the latest year not after
    today ("96" is 1996, "05" is 2005); else 20YY (dates of a stay)."""
    text = " ".join(text.strip().split())
    day: int
    month: int | None
    year: int
    if match := _ISO.match(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := _NUMERIC.match(text):
        day, month, year = int(match[1]), int(match[2]), _year(match[3], today)
    elif match := _WORDS.match(text):
        day, month, year = int(match[1]), month_number(match[2]), _year(match[3], today)
    elif match := _WORDS_YEAR_FIRST.match(text):
        year, day, month = int(match[1]), int(match[2]), month_number(match[3])
    else:
        raise DateError("date_format")
    if month is None:
        raise DateError("date_format")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError("date_impossible") from None


def _year(digits: str, today: date | None) -> int:
    if len(digits) == 4:
        return int(digits)
    short = int(digits)
    if today is None:
        return 2000 + short
    # A birth date is in the past: the latest such year ("26" in 2026 is 2026, "27" is 1927).
    return 2000 + short if 2000 + short <= today.year else 1900 + short
