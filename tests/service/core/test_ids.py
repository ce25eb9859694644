"""Version 7 UUIDs made one at a time and in bulk: version, variant, time order."""

from __future__ import annotations

import time
import uuid

from service.core.ids import uuid7, uuid7_hex


def _ms(value: uuid.UUID) -> int:
    return value.int >> 80


def test_bulk_ids_are_version_7_of_this_millisecond_and_distinct() -> None:
    before = time.time_ns() // 1_000_000
    made = [uuid.UUID(h) for h in uuid7_hex(20_000)]
    after = time.time_ns() // 1_000_000
    assert len(set(made)) == 20_000
    assert {(u.version, u.variant) for u in made} == {(7, uuid.RFC_4122)}
    assert all(before <= _ms(u) <= after for u in made)
    # The random bits are random: every hex digit after the time appears in each place.
    for place in (13, 14, 15, 17, 31):
        assert len({h[place] for h in uuid7_hex(2_000)}) == 16
    assert {h[16] for h in uuid7_hex(2_000)} == set("89ab")
    assert _ms(uuid7()) >= _ms(made[-1])  # later ids sort after
