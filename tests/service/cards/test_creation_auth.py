"""Card creation authenticates its caller from the short-lived caller cache (as verification
does): a revoked API key stops creating cards within the cache's bound, never later."""

from __future__ import annotations

import itertools
import time

from fastapi.testclient import TestClient
from sqlalchemy import update

from service.accounts.models import ApiKey
from service.core import clock
from service.main import create_app
from tests.factories import card_payload
from tests.harness import short_cache_settings


def test_a_revoked_key_stops_creating_cards_within_the_cache_bound(
    tmp_path, db_url, engine, actors
) -> None:
    settings = short_cache_settings(tmp_path, db_url)
    documents = (f"RK{n:07d}" for n in itertools.count(1))
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as client:

        def create() -> int:
            body = card_payload(**{"holder.document.number": next(documents)})
            return client.post(
                "/api/v1/cards", json=body, headers=actors["cards:write"]
            ).status_code

        assert create() == 201  # the key is now remembered for 0.5 s
        with engine.begin() as conn:
            conn.execute(
                update(ApiKey)
                .where(ApiKey.name == "cards:write key")
                .values(revoked_at=clock.now())
            )
        revoked_at = time.monotonic()
        codes = []
        while time.monotonic() - revoked_at < 5 and (not codes or codes[-1] != 401):
            codes.append(create())
            time.sleep(0.05)
        assert codes[-1] == 401, codes
        # Never accepted past the bound (with room for one slow request on a busy machine).
        assert time.monotonic() - revoked_at < 0.5 + 2.0
        assert all(c in (201, 401) for c in codes)
        assert create() == 401
