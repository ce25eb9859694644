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


def _addend(factor: int, value: int) -> int:
    addend = factor * value
    return addend // _N + addend % _N


# Symbols 2k and 2k+1 of the body from 10 random bits (the lower 5 first), with what they add
# to the check sum: counted from the right end of the 9-symbol body their factors are 2 and
# 1, and the last symbol's is 2 (``_check_symbol``). The archive import draws a million
# numbers: looking up pairs is a quarter of the per-symbol loop's cost.
_PAIRS = [
    (ALPHABET[v & 31] + ALPHABET[v >> 5], _addend(2, v & 31) + _addend(1, v >> 5))
    for v in range(1024)
]
_LAST = [(ALPHABET[v], _addend(2, v)) for v in range(_N)]


def generate() -> str:
    """A new random card number in canonical form (no separator)."""
    return _from_bits(secrets.randbits(5 * _BODY))


def _from_bits(bits: int) -> str:
    """The number whose body symbol i is ``bits``' i-th group of 5 (from the lowest)."""
    a, b = _PAIRS[bits & 1023], _PAIRS[(bits >> 10) & 1023]
    c, d = _PAIRS[(bits >> 20) & 1023], _PAIRS[(bits >> 30) & 1023]
    e = _LAST[bits >> 40]
    total = a[1] + b[1] + c[1] + d[1] + e[1]
    return a[0] + b[0] + c[0] + d[0] + e[0] + ALPHABET[-total % _N]


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
