"""One injectable clock for the whole service, so tests can run at a fixed date.

Dates of the card (stay until, entry, exit) are Russian legal dates: "today" is the date in
Moscow, whatever the server's own zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LEGAL_ZONE = ZoneInfo("Europe/Moscow")

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _now()


def today() -> date:
    """The current legal date (Moscow)."""
    return now().astimezone(LEGAL_ZONE).date()


def set_clock(func: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); None restores the system clock."""
    global _now
    _now = func if func is not None else (lambda: datetime.now(UTC))
