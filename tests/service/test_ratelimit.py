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
            client.get("/api/v1/cards", headers=actors["officer"]).status_code for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
