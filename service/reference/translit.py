"""Latin form of names as ICAO Doc 9303 (part 3) writes them in travel documents.

Russian Cyrillic follows the ICAO table; letters of the Central Asian Cyrillic alphabets
take the nearest Latin letters in the same spirit, and Latin letters with diacritics (Uzbek
Latin, Turkish-style spellings) lose the marks. The result holds only A-Z, space and hyphen.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_CYRILLIC = {
    "А": "A",
    "Б": "B",
    "В": "V",
    "Г": "G",
    "Д": "D",
    "Е": "E",
    "Ё": "E",
    "Ж": "ZH",
    "З": "Z",
    "И": "I",
    "Й": "I",
    "К": "K",
    "Л": "L",
    "М": "M",
    "Н": "N",
    "О": "O",
    "П": "P",
    "Р": "R",
    "С": "S",
    "Т": "T",
    "У": "U",
    "Ф": "F",
    "Х": "KH",
    "Ц": "TS",
    "Ч": "CH",
    "Ш": "SH",
    "Щ": "SHCH",
    "Ъ": "IE",
    "Ы": "Y",
    "Ь": "",
    "Э": "E",
    "Ю": "IU",
    "Я": "IA",
    # Ukrainian, Belarusian and other letters in ICAO's table
    "Є": "IE",
    "І": "I",
    "Ї": "I",
    "Ґ": "G",
    "Ў": "U",
    # Kazakh, Kyrgyz, Tajik, Uzbek Cyrillic, Bashkir, Tatar
    "Ә": "A",
    "Ғ": "G",
    "Қ": "K",
    "Ң": "N",
    "Ө": "O",
    "Ұ": "U",
    "Ү": "U",
    "Һ": "H",
    "Ӣ": "I",
    "Ӯ": "U",
    "Ҷ": "J",
    "Ҳ": "H",
    "Ҙ": "Z",
    "Ҡ": "K",
    "Ҫ": "S",
    "Ӊ": "N",
    "Җ": "ZH",
    "Ҝ": "G",
}
_LATIN_SPECIAL = {
    "ß": "SS",
    "Æ": "AE",
    "Ø": "OE",
    "Œ": "OE",
    "Þ": "TH",
    "Đ": "D",
    "Ł": "L",
    "ı": "I",
    "Ə": "A",  # Azerbaijani schwa, as Azerbaijani passports write it (MAMMADOV)
    "Ŋ": "N",
}
_APOSTROPHES = "'’‘ʻʼ`´"


class NoLatinForm(ValueError):
    """Letters that this table cannot write in Latin (a script it does not know)."""

    def __init__(self, scripts: list[str]) -> None:
        self.scripts = scripts
        names = ", ".join("Han" if s == "CJK" else s.title() for s in scripts) or "unknown"
        super().__init__(f"has letters with no Latin form here ({names} script)")


@functools.lru_cache(maxsize=4096)  # per letter: names repeat a few dozen letters
def script_of(ch: str) -> str | None:
    """The script of a letter as Unicode names it (LATIN, CYRILLIC, GREEK, ARABIC, CJK...);
    None for anything else, and for modifier letters (the Uzbek ʻ), which go with any."""
    if not unicodedata.category(ch).startswith("L") or unicodedata.category(ch) == "Lm":
        return None
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def mixed_script_parts(name: str) -> list[int]:
    """1-based numbers of the parts (split at spaces and hyphens) that mix scripts, like
    `Ivаnov` with a Cyrillic а: a look-alike of another person's name."""
    mixed = []
    for number, part in enumerate(re.split(r"[ -]+", name), start=1):
        scripts = {script_of(ch) for ch in part} - {None}
        if len(scripts) > 1:
            mixed.append(number)
    return mixed


def to_icao_latin(name: str, *, strict: bool = False) -> str:
    """Transliterate a name into ICAO 9303 Latin capitals (A-Z, space, hyphen).

    ``strict``: raise ``NoLatinForm`` rather than drop a letter that has no Latin form (the
    soft sign, which ICAO writes as nothing, is not dropped but written so)."""
    out: list[str] = []
    lost: list[str] = []
    for ch in unicodedata.normalize("NFKC", name).strip():
        latin, script = _latin_of(ch)
        out.append(latin)
        if script is not None:
            lost.append(script)
    if strict and lost:
        raise NoLatinForm(sorted(set(lost)))
    text = re.sub(r"\s+", " ", "".join(out))
    return re.sub(r"-{2,}", "-", text).strip(" -")


@functools.lru_cache(maxsize=4096)
def _latin_of(ch: str) -> tuple[str, str | None]:
    """One character's Latin form, and the script of a letter that has none (else None)."""
    up = ch.upper()
    if up in _CYRILLIC:
        return _CYRILLIC[up], None
    if up in _LATIN_SPECIAL or ch in _LATIN_SPECIAL:
        return _LATIN_SPECIAL.get(up, _LATIN_SPECIAL.get(ch, "")), None
    if ch in _APOSTROPHES:
        return "", None  # Uzbek Latin o‘ and g‘ become plain O and G
    if ch in " -":
        return ch, None
    base = unicodedata.normalize("NFKD", up)
    latin = "".join(c for c in base if "A" <= c <= "Z")
    if not latin and base[:1] in _CYRILLIC:  # a Cyrillic letter with a mark: Ӑ, Ӧ
        latin = _CYRILLIC[base[0]]
    if not latin and script_of(ch) is not None:
        return latin, script_of(ch) or "UNKNOWN"
    return latin, None


LATIN_MAX = 100  # the card's column for a Latin name


def printed_latin(name: str) -> str | None:
    """The Latin form a card prints for a name given without one: complete, or None when a
    letter has no Latin form here (or it is too long), and the holder must give it."""
    try:
        latin = to_icao_latin(name, strict=True)
    except NoLatinForm:
        return None
    return latin if latin and len(latin) <= LATIN_MAX else None
