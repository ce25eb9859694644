"""50 simultaneous card creations on PostgreSQL: 50 distinct numbers, no 5xx, no duplicate."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from service.core.db import make_engine
from tests.e2e.server import serve
from tests.factories import card_payload

PG_URL = os.environ.get("ONBOARD_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not PG_URL, reason="needs ONBOARD_TEST_POSTGRES_URL")


def _together(n: int, call) -> list[httpx.Response]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(n)
    results: list[httpx.Response | BaseException] = [None] * n  # type: ignore[list-item]

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call(i)
        except BaseException as exc:  # noqa: BLE001
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(isinstance(r, httpx.Response) for r in results), results
    return results  # type: ignore[return-value]


def test_fifty_concurrent_creations(tmp_path: Path, pg_engine) -> None:  # type: ignore[no-untyped-def]
    with pg_engine.begin() as conn:
        conn.execute(
            text("TRUNCATE card_event, card, person, idempotency_record, api_key, app_user CASCADE")
        )
    with serve(tmp_path / "data", database_url=PG_URL, workers=2) as server:
        token = httpx.post(
            server.url + "/api/v1/auth/token",
            data={"username": "admin", "password": server.admin_password},
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}

        def create(i: int) -> httpx.Response:
            with httpx.Client(timeout=60) as c:
                return c.post(server.url + "/api/v1/cards", json=card_payload(), headers=auth)

        responses = _together(50, create)
        assert [r.status_code for r in responses] == [201] * 50, [
            r.text for r in responses if r.status_code != 201
        ]
        assert len({r.json()["number"] for r in responses}) == 50

        # The same holder 10 times at once: one card, nine clear conflicts, one person.
        same = card_payload()

        def create_same(i: int) -> httpx.Response:
            with httpx.Client(timeout=60) as c:
                return c.post(server.url + "/api/v1/cards", json=same, headers=auth)

        codes = sorted(r.status_code for r in _together(10, create_same))
        assert codes == [201] + [409] * 9

        # The same Idempotency-Key 10 times at once: every answer is the one card.
        keyed = card_payload()

        def create_keyed(i: int) -> httpx.Response:
            with httpx.Client(timeout=60) as c:
                return c.post(
                    server.url + "/api/v1/cards",
                    json=keyed,
                    headers={**auth, "Idempotency-Key": "same-key"},
                )

        keyed_responses = _together(10, create_keyed)
        assert [r.status_code for r in keyed_responses] == [201] * 10
        assert len({r.json()["id"] for r in keyed_responses}) == 1
        assert sum(r.headers.get("idempotent-replayed") == "true" for r in keyed_responses) == 9

    engine = make_engine(PG_URL)  # type: ignore[arg-type]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM card")).scalar() == 52
        assert conn.execute(text("SELECT count(DISTINCT number) FROM card")).scalar() == 52
    engine.dispose()
