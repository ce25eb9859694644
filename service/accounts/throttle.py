"""Sign-in throttling that slows password guessing without locking staff out.

Two counters per attempt, both keyed by the account name (never by address alone, so one
account's failures never refuse another account's correct password):

- **account + address**: ``max_failures`` attempts are free; from then on each attempt locks
  that pair for ``base`` seconds, doubling per attempt up to ``cap``. A correct password clears
  the pair. An attacker guessing from one address slows only themselves.
- **account alone**, counted only from addresses the account has not signed in from lately:
  a much higher threshold (``account_max_failures``), then the same growing locks, applied
  only to such unknown addresses. Guessing spread over many addresses is slowed, while the
  officer signing in from an address they used before is not refused because of it.

An attempt is counted *before* the password is checked (and un-counted when it succeeds), so
a burst of parallel guesses cannot all slip in before the first failure is recorded; after a
wrong password the lock it earned is started again from that moment. The same
work is done whether or not the account exists. Counts are remembered ``window`` seconds after
the last attempt.

Counts live in Redis when ONBOARD_REDIS_URL is set (one script per attempt: atomic and shared
by every worker and host), else in process memory. If Redis is unreachable, the process falls
back to its own memory (logged) rather than letting guesses through unthrottled.
Keys are hashed: Redis holds neither account names nor addresses.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("onboard.login")
KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class Policy:
    max_failures: int = 5
    account_max_failures: int = 50
    base_seconds: float = 1.0
    cap_seconds: float = 15 * 60
    window_seconds: int = 24 * 3600

    def lock_ms(self, count: int, threshold: int) -> int:
        """The lock after attempt number ``count`` (0 while under the threshold)."""
        if count < threshold:
            return 0
        exponent = min(count - threshold, 40)
        return int(min(self.base_seconds * 2**exponent, self.cap_seconds) * 1000)


def normalise_account(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip().casefold()


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Keys:
    pair: str
    account: str
    known: str

    @classmethod
    def of(cls, username: str, address: str) -> Keys:
        account = normalise_account(username)
        return cls(
            pair=_digest("pair", account, address),
            account=_digest("account", account),
            known=_digest("known", account, address),
        )


class Backend(Protocol):
    def begin(self, keys: Keys, policy: Policy) -> int: ...
    def failed(self, keys: Keys, policy: Policy) -> None: ...
    def succeeded(self, keys: Keys, policy: Policy) -> None: ...


class MemoryBackend:
    """One process's counts (tests, single-process deployments)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, expires)
        self._locks: dict[str, float] = {}  # key -> locked until
        self._known: dict[str, float] = {}  # key -> expires
        self._lock = threading.Lock()

    def _sweep(self, now: float) -> None:
        if len(self._counts) + len(self._locks) + len(self._known) < 50_000:
            return
        self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        self._locks = {k: v for k, v in self._locks.items() if v > now}
        self._known = {k: v for k, v in self._known.items() if v > now}

    def _hit(self, key: str, threshold: int, policy: Policy, now: float) -> None:
        count, expires = self._counts.get(key, (0, 0.0))
        count = count + 1 if expires > now else 1
        self._counts[key] = (count, now + policy.window_seconds)
        lock = policy.lock_ms(count, threshold)
        if lock:
            self._locks[key] = now + lock / 1000

    def begin(self, keys: Keys, policy: Policy) -> int:
        now = time.monotonic()
        with self._lock:
            self._sweep(now)
            known = self._known.get(keys.known, 0.0) > now
            wait = self._locks.get(keys.pair, 0.0) - now
            if not known:
                wait = max(wait, self._locks.get(keys.account, 0.0) - now)
            if wait > 0:
                return int(wait * 1000)
            self._hit(keys.pair, policy.max_failures, policy, now)
            if not known:
                self._hit(keys.account, policy.account_max_failures, policy, now)
            return 0

    def failed(self, keys: Keys, policy: Policy) -> None:
        now = time.monotonic()
        with self._lock:
            known = self._known.get(keys.known, 0.0) > now
            for key, threshold, counted in (
                (keys.pair, policy.max_failures, True),
                (keys.account, policy.account_max_failures, not known),
            ):
                count, expires = self._counts.get(key, (0, 0.0))
                lock = policy.lock_ms(count, threshold) if counted and expires > now else 0
                if lock:
                    self._locks[key] = max(self._locks.get(key, 0.0), now + lock / 1000)

    def succeeded(self, keys: Keys, policy: Policy) -> None:
        now = time.monotonic()
        with self._lock:
            self._counts.pop(keys.pair, None)
            self._locks.pop(keys.pair, None)
            if self._known.get(keys.known, 0.0) <= now:  # this attempt counted against it
                count, expires = self._counts.get(keys.account, (0, 0.0))
                if count > 0:
                    self._counts[keys.account] = (count - 1, expires)
            self._known[keys.known] = now + KNOWN_ADDRESS_SECONDS


# Both scripts below: whether the address is known, and the lock a key has earned after its
# n-th failure (ARGV[1..4] as in _BEGIN): doubling from base_ms past the threshold, at most
# cap_ms, never under a millisecond.
_COMMON = """
local known = redis.call('EXISTS', KEYS[3]) == 1
local function lock_ms(n, threshold)
  local ms = math.min(tonumber(ARGV[3]) * 2 ^ math.min(n - threshold, 40), tonumber(ARGV[4]))
  return math.max(1, math.floor(ms))
end
"""

# KEYS: pair, account, known. ARGV: max_failures, account_max_failures, base_ms, cap_ms, window.
# Returns the milliseconds to wait (0: the attempt is counted and may go ahead).
_BEGIN = (
    _COMMON
    + """
local wait = redis.call('PTTL', KEYS[1] .. ':lock')
if not known then
  local w = redis.call('PTTL', KEYS[2] .. ':lock')
  if w > wait then wait = w end
end
if wait > 0 then return wait end
local function hit(key, threshold)
  local n = redis.call('INCR', key .. ':n')
  redis.call('EXPIRE', key .. ':n', tonumber(ARGV[5]))
  if n >= threshold then
    redis.call('SET', key .. ':lock', '1', 'PX', lock_ms(n, threshold))
  end
end
hit(KEYS[1], tonumber(ARGV[1]))
if not known then hit(KEYS[2], tonumber(ARGV[2])) end
return 0
"""
)

# KEYS: pair, account, known. ARGV: max_failures, account_max_failures, base_ms, cap_ms.
# After a wrong password: the lock that attempt earned runs from now (checking the password
# takes time, and the lock must not have run out by the time the answer is out).
_FAILED = (
    _COMMON
    + """
local function rearm(key, threshold)
  local n = tonumber(redis.call('GET', key .. ':n') or '0')
  if n >= threshold then
    local ms = lock_ms(n, threshold)
    if redis.call('PTTL', key .. ':lock') < ms then
      redis.call('SET', key .. ':lock', '1', 'PX', ms)
    end
  end
end
rearm(KEYS[1], tonumber(ARGV[1]))
if not known then rearm(KEYS[2], tonumber(ARGV[2])) end
return 0
"""
)

# KEYS: pair, account, known. ARGV: seconds an address stays known.
_SUCCEEDED = """
redis.call('DEL', KEYS[1] .. ':n', KEYS[1] .. ':lock')
if redis.call('EXISTS', KEYS[3]) == 0 then
  if tonumber(redis.call('GET', KEYS[2] .. ':n') or '0') > 0 then
    redis.call('DECR', KEYS[2] .. ':n')
  end
end
redis.call('SET', KEYS[3], '1', 'EX', tonumber(ARGV[1]))
return 0
"""


class RedisBackend:
    """Counts shared by every worker and host through Redis."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._begin: Any = self._redis.register_script(_BEGIN)
        self._succeeded: Any = self._redis.register_script(_SUCCEEDED)
        self._failed: Any = self._redis.register_script(_FAILED)

    @staticmethod
    def _keys(keys: Keys) -> list[str]:
        return [
            f"onboard:login:{keys.pair}",
            f"onboard:login:{keys.account}",
            f"onboard:login:{keys.known}",
        ]

    @staticmethod
    def _args(policy: Policy) -> list[int]:
        return [
            policy.max_failures,
            policy.account_max_failures,
            int(policy.base_seconds * 1000),
            int(policy.cap_seconds * 1000),
            policy.window_seconds,
        ]

    def begin(self, keys: Keys, policy: Policy) -> int:
        return int(self._begin(keys=self._keys(keys), args=self._args(policy)))

    def failed(self, keys: Keys, policy: Policy) -> None:
        self._failed(keys=self._keys(keys), args=self._args(policy)[:4])

    def succeeded(self, keys: Keys, policy: Policy) -> None:
        self._succeeded(keys=self._keys(keys), args=[KNOWN_ADDRESS_SECONDS])


class LoginThrottle:
    def __init__(self, policy: Policy, redis_url: str | None = None) -> None:
        self.policy = policy
        self._memory = MemoryBackend()
        self._shared: Backend | None = RedisBackend(redis_url) if redis_url else None

    def _call(self, method: str, keys: Keys) -> Any:
        if self._shared is not None:
            try:
                return getattr(self._shared, method)(keys, self.policy)
            except Exception:  # noqa: BLE001 - an outage must not let guesses through
                log.warning("login throttle: Redis unavailable; counting in this process")
        return getattr(self._memory, method)(keys, self.policy)

    def begin(self, *, username: str, address: str) -> int:
        """Count an attempt; the seconds to wait instead (0: go ahead and check the password)."""
        wait_ms = self._call("begin", Keys.of(username, address))
        return math.ceil(wait_ms / 1000) if wait_ms > 0 else 0

    def failed(self, *, username: str, address: str) -> None:
        """A wrong password (or no such account): the lock it earned starts now."""
        self._call("failed", Keys.of(username, address))

    def succeeded(self, *, username: str, address: str) -> None:
        """A correct password: clear this account+address and remember the address."""
        self._call("succeeded", Keys.of(username, address))
