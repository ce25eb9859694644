"""Request rate limits per API key and per client address (fixed one-minute windows).

The client address is the peer's, or what a trusted proxy reports (``service.api.clients``).

Counts live in Redis when ONBOARD_REDIS_URL is set (shared by every worker and host) and in
process memory otherwise. Over the limit: 429 problem+json with Retry-After. If Redis is
unreachable the request goes through (logged): the API stays up rather than refusing all.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.clients import client_address
from service.core import problems
from service.core.config import IPNetwork
from service.core.errors import TooManyRequests

log = logging.getLogger("onboard.ratelimit")
WINDOW = 60
_EXEMPT = ("/healthz", "/readyz", "/metrics")


class MemoryCounter:
    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._window = 0
        self._lock = threading.Lock()

    async def hit(self, key: str, window: int) -> int:
        with self._lock:
            if window != self._window:  # a new minute: forget the last one
                self._counts.clear()
                self._window = window
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]


class RedisCounter:
    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)

    async def hit(self, key: str, window: int) -> int:
        name = f"onboard:rl:{window}:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, WINDOW * 2)
            count, _ = await pipe.execute()
        return int(count)


# Whether an API key is a valid key with the ``bot`` scope (looked up in the database).
IsBotKey = Callable[[str], Awaitable[bool]]


class RateLimit:
    """Requests per minute per API key and per client address.

    The Telegram bot is one key behind one address that speaks for every worker using it,
    and it throttles each of them itself: a valid ``bot`` key is counted against
    ``per_bot_key`` instead, and not against its address.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        per_key: int,
        per_address: int,
        redis_url: str | None = None,
        per_bot_key: int | None = None,
        is_bot_key: IsBotKey | None = None,
        trusted_proxies: tuple[IPNetwork, ...] = (),
    ) -> None:
        self.app = app
        self.per_key = per_key
        self.per_address = per_address
        self.per_bot_key = per_bot_key or per_key
        self.is_bot_key = is_bot_key
        self.trusted_proxies = trusted_proxies
        self.counter: Any = RedisCounter(redis_url) if redis_url else MemoryCounter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(_EXEMPT):
            await self.app(scope, receive, send)
            return
        now = time.time()
        window = int(now // WINDOW)
        try:
            checks = await self._checks(scope)
            for key, limit in checks:
                if await self.counter.hit(key, window) > limit:
                    await _too_many(send, retry_after=WINDOW - int(now % WINDOW))
                    return
        except Exception:  # noqa: BLE001 - a limiter outage must not take the API down
            log.warning("rate limiter unavailable; request allowed")
        await self.app(scope, receive, send)

    async def _checks(self, scope: Scope) -> list[tuple[str, int]]:
        api_key = _header(scope, b"x-api-key")
        if not api_key:
            return [(f"ip:{client_address(scope, self.trusted_proxies)}", self.per_address)]
        key = "key:" + hashlib.sha256(api_key.encode()).hexdigest()[:24]
        if self.is_bot_key is not None and await self.is_bot_key(api_key):
            return [(key, self.per_bot_key)]
        return [
            (f"ip:{client_address(scope, self.trusted_proxies)}", self.per_address),
            (key, self.per_key),
        ]


class BotKeys:
    """Which API keys are valid ``bot`` keys, remembered for ``ttl`` seconds (a revoked key
    keeps the bot's limit at most that long; it is refused by authentication at once)."""

    def __init__(self, lookup: Callable[[str], bool], *, ttl: float = 60.0) -> None:
        self._lookup = lookup
        self._ttl = ttl
        self._known: dict[str, tuple[bool, float]] = {}

    async def __call__(self, api_key: str) -> bool:
        digest = hashlib.sha256(api_key.encode()).hexdigest()
        now = time.monotonic()
        known = self._known.get(digest)
        if known is not None and now - known[1] < self._ttl:
            return known[0]
        answer = await anyio.to_thread.run_sync(self._lookup, api_key)
        if len(self._known) >= 10_000:
            self._known.clear()  # bounded; a miss costs one indexed lookup
        self._known[digest] = (answer, now)
        return answer


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _too_many(send: Send, retry_after: int) -> None:
    refused = TooManyRequests(
        f"Rate limit reached; try again in {retry_after} s.", retry_after=retry_after
    )
    await problems.send_raw(send, refused, {"retry-after": str(retry_after)})
