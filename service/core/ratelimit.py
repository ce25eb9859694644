"""Counting failures in a time window (log-in throttling), in process memory.

Each API worker process keeps its own counts; issue 7 moves this to Redis when configured.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class FailureWindow:
    def __init__(self, *, max_failures: int, window_seconds: int) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def retry_after(self, *keys: str) -> int:
        """Seconds until the caller may try again (0 when not blocked)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in keys:
                hits = self._prune(key, now)
                if len(hits) >= self.max_failures:
                    wait = max(wait, hits[0] + self.window - now)
                if not hits:
                    self._hits.pop(key, None)
        return int(wait) + 1 if wait > 0 else 0

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._prune(key, now).append(now)

    def reset(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._hits.pop(key, None)
