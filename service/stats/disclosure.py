"""Disclosure control for every published count.

Two rules, applied to every cell on its true count:

1. A cell counting fewer than ``min_cell`` cards (``ONBOARD_STATS_MIN_CELL``, 10) is not shown;
   the answer says how many such cells there were. This is as strict as before.
2. A shown count is rounded to the nearest multiple of ``base`` (``ONBOARD_STATS_ROUND_BASE``,
   5; halves round up). Without it, two overlapping date ranges could be subtracted: 13 cards in
   [1 May, 31 May] and 10 in [2 May, 31 May] reveal a hidden cell of 3 on 1 May. Rounded, the
   two answers are 15 and 10: each shown figure is within ``base // 2`` of the truth, so the
   difference of two figures says the hidden cell is anywhere within ``2 * (base // 2)`` of
   it (here 1 to 9), and many different hidden cells give the same pair of answers.

Rounding (not complement suppression) because the ranges are chosen freely by the caller:
complement suppression protects one published table, but not every pair of tables a caller
can ask for.
"""

from __future__ import annotations


def protect(count: int, *, min_cell: int, base: int) -> int | None:
    """The figure to publish for a true ``count``, or None when it is suppressed."""
    if count < min_cell:
        return None
    if base <= 1:
        return count
    return (count + base // 2) // base * base
