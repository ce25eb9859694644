"""Callers remembered for a few seconds, so the hottest paths (verification, card creation)
authenticate without the database.

A hit costs a dictionary lookup. The key is the credential itself (an API key, or a bearer
token whose signature was checked when it was first seen and whose own expiry is checked on
every hit). What the cache defers is the account's row: a disabled account or a revoked API
key keeps working on a worker for at most ``seconds`` after the change
(``ONBOARD_AUTH_CACHE_SECONDS``, default 5). Only successes are kept, and never more than
``_MAX`` entries.
"""

from __future__ import annotations

import threading
import time

from service.accounts.access import Principal
from service.core import clock

_MAX = 10_000


class PrincipalCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._items: dict[str, tuple[float, float | None, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Principal | None:
        item = self._items.get(key)
        if item is None:
            return None
        until, not_after, principal = item
        if time.monotonic() >= until or (
            not_after is not None and clock.now().timestamp() >= not_after
        ):
            self._items.pop(key, None)
            return None
        return principal

    def put(
        self, key: str, principal: Principal, *, read_at: float, not_after: float | None = None
    ) -> None:
        """``read_at``: ``time.monotonic()`` taken before the account's row was read, so the
        bound counts from what the database said, not from when the answer arrived.
        ``not_after``: a credential's own expiry (service clock, epoch seconds)."""
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._items) >= _MAX:
                self._items.clear()
            self._items[key] = (read_at + self.seconds, not_after, principal)
