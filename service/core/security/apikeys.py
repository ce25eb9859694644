"""API keys: ``obk_<prefix>_<secret>``. Only a SHA-256 of the whole key is stored.

The key carries 256 bits of randomness, so a fast hash is safe here (unlike passwords), and
a lookup by prefix plus one constant-time comparison keeps every request cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_PREFIX = "obk"


def new_api_key() -> tuple[str, str, str]:
    """(full key to show once, lookup prefix, hash to store)."""
    prefix = secrets.token_hex(6)
    key = f"{_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, hash_api_key(key)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def split_prefix(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != _PREFIX or len(parts[1]) != 12:
        return None
    return parts[1]


def matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(key), stored_hash)
