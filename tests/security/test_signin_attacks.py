"""Sign-in throttling replayed against served APIs (issue 11, part 7): a guesser slows only
themselves, forwarded addresses count only from trusted proxies, and with two workers the
counts are shared through Redis."""

from __future__ import annotations

import socket
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from service.core.db import make_engine
from tests import factories
from tests.e2e.server import serve
from tests.security.harness import Live, start_live

PASSWORD = "the right password 42"
WRONG = "not the password at all"
# The first lock lasts a minute instead of a second, so that no assertion depends on how fast
# this machine checks passwords.
SLOW_LOCKS = {"ONBOARD_LOGIN_LOCK_BASE_SECONDS": "60"}


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def _user(live: Live, role: str = "officer") -> str:
    name = f"u{uuid.uuid4().hex[:10]}"
    with live.client() as http:
        r = http.post(
            "/api/v1/users",
            json={"username": name, "password": PASSWORD, "role": role},
            headers=live.actors["admin"],
        )
    assert r.status_code == 201, r.text
    return name


def _login(
    live: Live, username: str, password: str, forwarded: str | None = None
) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    # A new connection per attempt, as separate clients would make.
    return httpx.post(
        live.url + "/api/v1/auth/token",
        data={"username": username, "password": password},
        headers=headers,
        timeout=30,
    )


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The API behind a reverse proxy on 127.0.0.1 (the only trusted one)."""
    yield from start_live(
        tmp_path_factory,
        extra_env={
            "ONBOARD_TRUSTED_PROXIES": "127.0.0.1, 10.9.0.0/16",
            "ONBOARD_RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "25",
            **SLOW_LOCKS,
        },
    )


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The API with no trusted proxies (the default)."""
    yield from start_live(tmp_path_factory, extra_env=SLOW_LOCKS)


def test_a_guesser_cannot_lock_out_another_officer_or_the_same_one_elsewhere(
    behind_proxy: Live,
) -> None:
    live = behind_proxy
    alice, bob = _user(live), _user(live)
    attacker = "203.0.113.5"
    for _ in range(5):
        assert _login(live, alice, WRONG, attacker).status_code == 401
    r = _login(live, alice, WRONG, attacker)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.headers["content-type"].startswith("application/problem+json")
    # The same address, another account with its right password: not refused.
    assert _login(live, bob, PASSWORD, attacker).status_code == 200
    # The attacked account from its own address (through a chain of our proxies): not refused.
    assert _login(live, alice, PASSWORD, "198.51.100.7, 10.9.3.4").status_code == 200
    # The guesser is still held back, even with the right password.
    assert _login(live, alice, PASSWORD, attacker).status_code == 429


def test_a_forged_leftmost_hop_does_not_escape_the_throttle(behind_proxy: Live) -> None:
    """Only the rightmost hop not written by our proxies counts; what the client prepends
    to X-Forwarded-For changes nothing."""
    live = behind_proxy
    carol = _user(live)
    for i in range(5):
        assert _login(live, carol, WRONG, f"192.0.2.{i}, 203.0.113.9").status_code == 401
    assert _login(live, carol, PASSWORD, "192.0.2.200, 203.0.113.9").status_code == 429


def test_the_address_rate_limit_uses_the_forwarded_client(behind_proxy: Live) -> None:
    live = behind_proxy
    codes = []
    with httpx.Client(base_url=live.url, timeout=30) as http:
        for _ in range(60):  # the limit is 25 a minute per address
            r = http.get("/api/v1/auth/me", headers={"X-Forwarded-For": "203.0.113.77"})
            codes.append(r.status_code)
            if r.status_code == 429:
                break
        assert codes[-1] == 429 and int(r.headers["retry-after"]) >= 1
        # Another client behind the same proxy is not held back by that one.
        other = http.get("/api/v1/auth/me", headers={"X-Forwarded-For": "203.0.113.78"})
        assert other.status_code == 401


def test_forwarded_for_is_ignored_when_the_peer_is_not_a_trusted_proxy(direct: Live) -> None:
    """No trusted proxies configured (the default): the header is the client's own claim."""
    live = direct
    dave, erin = _user(live), _user(live)
    for i in range(5):
        assert _login(live, dave, WRONG, f"198.51.100.{i}").status_code == 401
    # New claimed addresses do not buy new guesses...
    assert _login(live, dave, PASSWORD, "198.51.100.99").status_code == 429
    # ...and the failures of one account never refuse another's right password.
    assert _login(live, erin, PASSWORD, "198.51.100.0").status_code == 200


def test_a_burst_of_parallel_guesses_gets_no_more_than_the_free_attempts(direct: Live) -> None:
    live = direct
    frank = _user(live)
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = Counter(
            r.status_code for r in pool.map(lambda _: _login(live, frank, WRONG), range(24))
        )
    assert codes[401] <= 5 and codes[429] >= 19, codes


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_the_throttle_is_shared_by_two_workers_through_redis(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    data_dir = tmp_path_factory.mktemp("two-workers")
    database_url = f"sqlite:///{data_dir / 'onboard.db'}"
    env = {
        "ONBOARD_SECRET_KEY": factories.TOKEN_SECRET,
        "ONBOARD_REDIS_URL": "redis://127.0.0.1:6379/0",
        "ONBOARD_TRUSTED_PROXIES": "127.0.0.1",
        # Locks long enough that no guess gets through on time alone during the test.
        "ONBOARD_LOGIN_LOCK_BASE_SECONDS": "120",
    }
    with serve(data_dir, database_url=database_url, workers=2, extra_env=env) as server:
        engine = make_engine(database_url)
        try:
            actors = factories.make_actors(engine)
        finally:
            engine.dispose()
        live = Live(server=server, actors=actors, database_url=database_url, data_dir=data_dir)
        grace = _user(live)
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(
                pool.map(lambda _: _login(live, grace, WRONG, "203.0.113.20"), range(30))
            )
        codes = Counter(r.status_code for r in answers)
        # Each worker counting alone would let up to 5 guesses through per worker.
        assert codes[401] == 5 and codes[429] == 25, codes
        assert all(int(r.headers["retry-after"]) >= 1 for r in answers if r.status_code == 429)
        assert _login(live, grace, PASSWORD, "203.0.113.20").status_code == 429
        assert _login(live, grace, PASSWORD, "198.51.100.20").status_code == 200
