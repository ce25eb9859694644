"""Card numbers: 9 random symbols plus a check symbol, in Crockford's base-32 alphabet.

Shown as ``XXXXX-XXXXX``. The alphabet has no I, L, O or U, so what a person reads off a
screen is what they type; on input O is read as 0 and I/L as 1. The check symbol is the
Luhn mod N algorithm over the alphabet (N = 32): it catches every single wrong symbol and
every swap of two neighbouring symbols except the pair that Luhn mod N cannot tell apart.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_N = len(ALPHABET)
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_BODY = 9
_CONFUSABLE = str.maketrans("OIL", "011")


def _check_symbol(body: str) -> str:
    total = 0
    factor = 2
    for ch in reversed(body):
        addend = factor * _INDEX[ch]
        total += addend // _N + addend % _N
        factor = 1 if factor == 2 else 2
    return ALPHABET[(_N - total % _N) % _N]


def generate() -> str:
    """A new random card number in canonical form (no separator)."""
    bits = secrets.randbits(5 * _BODY)
    body = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(_BODY))
    return body + _check_symbol(body)


def normalize(text: str) -> str | None:
    """Canonical form of a typed number, or None when it is malformed or fails its check."""
    cleaned = text.strip().upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.translate(_CONFUSABLE)
    if len(cleaned) != _BODY + 1 or any(ch not in _INDEX for ch in cleaned):
        return None
    if _check_symbol(cleaned[:-1]) != cleaned[-1]:
        return None
    return cleaned


def display(number: str) -> str:
    return f"{number[:5]}-{number[5:]}"
