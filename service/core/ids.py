"""Time-ordered UUIDs (version 7, RFC 9562): new rows sort after old ones, which makes
cursor pagination by id stable and index-friendly."""

from __future__ import annotations

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}


def uuid7_hex(count: int) -> list[str]:
    """``count`` version 7 UUIDs at once, as 32 hex digits (the archive import writes them
    by the thousand): this millisecond, and random bits from one read of the system's random
    source, as many as ``uuid7`` has (74)."""
    head = f"{(time.time_ns() // 1_000_000) & ((1 << 48) - 1):012x}7"
    rand = os.urandom(10 * count).hex()
    return [
        head + rand[i : i + 3] + _VARIANT[rand[i + 3]] + rand[i + 4 : i + 19]
        for i in range(0, 20 * count, 20)
    ]
