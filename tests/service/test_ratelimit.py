"""Rate limits per API key and per client address, in memory and in Redis."""

from __future__ import annotations

import socket

import pytest
from fastapi.testclient import TestClient

from service.main import create_app


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_per_key_limit_answers_429_with_retry_after(settings, engine, actors, backend) -> None:
    if backend == "redis" and not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    limited = settings.model_copy(
        update={
            "rate_limit_per_key_per_minute": 5,
            "rate_limit_per_address_per_minute": 10_000,
            "redis_url": "redis://127.0.0.1:6379/0" if backend == "redis" else None,
        }
    )
    with TestClient(create_app(limited, engine)) as client:
        key, other = actors["cards:read"], actors["cards:write"]
        codes = [client.get("/api/v1/cards", headers=key).status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        r = client.get("/api/v1/cards", headers=key)
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
        assert r.headers["content-type"] == "application/problem+json"
        assert client.get("/api/v1/cards", headers=other).status_code == 200
        assert client.get("/healthz").status_code == 200


def test_per_address_limit(settings, engine, actors) -> None:
    limited = settings.model_copy(
        update={"rate_limit_per_address_per_minute": 3, "redis_url": None}
    )
    with TestClient(create_app(limited, engine)) as client:
        codes = [
            client.get("/api/v1/cards", headers=actors["cards:read"]).status_code for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]


def test_the_bot_key_has_its_own_limit_and_no_address_limit(settings, engine, actors) -> None:
    """The bot speaks for all its users from one address with one key: it gets the bot limit,
    and a key that merely looks like the bot's (revoked, or unknown) does not."""
    limited = settings.model_copy(
        update={
            "rate_limit_per_key_per_minute": 3,
            "rate_limit_per_address_per_minute": 5,
            "rate_limit_bot_key_per_minute": 12,
            "redis_url": None,
        }
    )
    with TestClient(create_app(limited, engine)) as client:
        bot = actors.bot_for(42)
        codes = [client.get("/api/v1/cards", headers=bot).status_code for _ in range(13)]
        assert codes == [200] * 12 + [429]
        # The bot's requests did not use up the address: others from it still pass.
        assert client.get("/api/v1/cards", headers=actors["cards:read"]).status_code == 200
        fake = {"X-API-Key": bot["X-API-Key"][:-2] + "xx"}  # wrong secret, same prefix
        codes = [client.get("/api/v1/cards", headers=fake).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
