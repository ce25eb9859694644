"""The sign-in throttle's rules, the same in process memory and in Redis (the served
replays are in tests/security/test_signin_attacks.py)."""

from __future__ import annotations

import socket
import uuid

import pytest

from service.accounts.throttle import LoginThrottle, Policy

POLICY = Policy(max_failures=2, account_max_failures=4, base_seconds=60, cap_seconds=900)


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(params=["memory", "redis"])
def throttle(request: pytest.FixtureRequest) -> LoginThrottle:
    if request.param == "redis":
        if not _redis_up():
            pytest.skip("no Redis on 127.0.0.1:6379")
        return LoginThrottle(POLICY, redis_url="redis://127.0.0.1:6379/0")
    return LoginThrottle(POLICY)


def test_pairs_accounts_and_known_addresses(throttle: LoginThrottle) -> None:
    u, v = f"u{uuid.uuid4().hex}", f"v{uuid.uuid4().hex}"

    def begin(user: str, address: str) -> int:
        return throttle.begin(username=user, address=address)

    assert begin(u, "known") == 0
    throttle.succeeded(username=u, address="known")  # the officer's own address
    assert begin(u, "a") == 0
    assert begin(u, "a") == 0
    throttle.failed(username=u, address="a")
    assert 55 <= begin(u, "a") <= 60  # the pair is locked for a minute
    assert begin(v, "a") == 0  # another account from the same address: untouched
    assert begin(u, "b") == 0
    assert begin(u, "c") == 0  # the fourth counted attempt from unknown addresses
    assert begin(u, "d") > 0  # spraying from yet another address: held back
    assert begin(u, "known") == 0  # the account's own address is not
    throttle.succeeded(username=u, address="known")
    assert begin(u, "a") > 0  # success elsewhere does not free the guesser


def test_a_correct_password_clears_its_pair(throttle: LoginThrottle) -> None:
    u = f"u{uuid.uuid4().hex}"
    assert throttle.begin(username=u, address="a") == 0
    assert throttle.begin(username=u, address="a") == 0  # locked after this one...
    throttle.succeeded(username=u, address="a")  # ...unless it was right
    assert throttle.begin(username=u, address="a") == 0


def test_names_are_compared_after_normalisation(throttle: LoginThrottle) -> None:
    u = f"olga{uuid.uuid4().hex[:6]}"
    for form in (u, u.upper()):
        assert throttle.begin(username=form, address="a") == 0
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in u)
    assert throttle.begin(username=f" {fullwidth} ", address="a") > 0


def test_unreachable_redis_falls_back_to_counting_in_process() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    throttle = LoginThrottle(POLICY, redis_url=f"redis://127.0.0.1:{port}/0")
    assert throttle.begin(username="x", address="a") == 0
    assert throttle.begin(username="x", address="a") == 0
    assert throttle.begin(username="x", address="a") > 0
