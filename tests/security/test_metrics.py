"""GET /metrics tells how the registry is used (routes, volumes, cards by status): only a
key of scope metrics:read or an admin reads it, unless declared public (issue 11, part 11)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.security.harness import Live, start_live


def test_metrics_need_a_metrics_read_key_or_an_admin(live: Live) -> None:
    with live.client() as client:
        r = client.get("/metrics")
        assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
        assert "onboard_cards" not in r.text
        for who in ("bot", "stats:read", "cards:read", "cards:write", "officer", "analyst"):
            r = client.get("/metrics", headers=live.actors[who])
            assert r.status_code == 403, who
            assert "onboard_cards" not in r.text
        for who in ("metrics:read", "admin"):
            r = client.get("/metrics", headers=live.actors[who])
            assert r.status_code == 200 and "onboard_cards" in r.text, who
        assert client.get("/metrics", headers={"X-API-Key": "obk_unknown"}).status_code == 401


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from start_live(tmp_path_factory, extra_env={"ONBOARD_METRICS_PUBLIC": "true"})


def test_the_operator_can_declare_metrics_public(public: Live) -> None:
    with public.client() as client:
        r = client.get("/metrics")
    assert r.status_code == 200 and "onboard_http_requests_total" in r.text
