"""Latin form of names as ICAO Doc 9303 (part 3) writes them: the bot shows it before the
card is confirmed. The same rules as the service's (tests/bot/test_latin.py compares them).

Russian Cyrillic follows the ICAO table; letters of the Central Asian Cyrillic alphabets
take the nearest Latin letters in the same spirit, and Latin letters with diacritics (Uzbek
Latin, Turkish-style spellings) lose the marks. The result holds only A-Z, space and hyphen.
"""

from __future__ import annotations

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
}
_APOSTROPHES = "'’‘ʻʼ`´"


def to_icao_latin(name: str) -> str:
    """Transliterate a name into ICAO 9303 Latin capitals (A-Z, space, hyphen)."""
    out: list[str] = []
    for ch in name.strip():
        up = ch.upper()
        if up in _CYRILLIC:
            out.append(_CYRILLIC[up])
        elif up in _LATIN_SPECIAL or ch in _LATIN_SPECIAL:
            out.append(_LATIN_SPECIAL.get(up, _LATIN_SPECIAL.get(ch, "")))
        elif ch in _APOSTROPHES:
            continue  # Uzbek Latin o‘ and g‘ become plain O and G
        elif ch in " -":
            out.append(ch)
        else:
            base = unicodedata.normalize("NFKD", up)
            out.append("".join(c for c in base if "A" <= c <= "Z"))
    text = re.sub(r"\s+", " ", "".join(out))
    return re.sub(r"-{2,}", "-", text).strip(" -")
