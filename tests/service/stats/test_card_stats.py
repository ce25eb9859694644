"""Card statistics: grouping, date range, suppression of small cells, access."""

from __future__ import annotations

from datetime import timedelta

from service.core import clock
from tests.factories import card_payload


def _make(client, actors, n: int, **overrides) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        assert (
            client.post(
                "/api/v1/cards", json=card_payload(**overrides), headers=actors["admin"]
            ).status_code
            == 201
        )


def test_grouping_and_suppression_nine_hidden_ten_shown(client, actors, fixed_clock) -> None:
    _make(client, actors, 10, region="RU-SPE", occupation="Builder")
    _make(client, actors, 9, region="RU-TA", occupation="driver")
    r = client.get("/api/v1/stats/cards", params={"by": "region"}, headers=actors["analyst"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["cells"] == [{"key": "RU-SPE", "cards": 10}]
    assert body["suppressed_cells"] == 1 and body["min_cell"] == 10
    occ = client.get(
        "/api/v1/stats/cards", params={"by": "occupation"}, headers=actors["stats:read"]
    ).json()
    assert occ["cells"] == [{"key": "builder", "cards": 10}]
    cit = client.get(
        "/api/v1/stats/cards", params={"by": "citizenship"}, headers=actors["analyst"]
    ).json()
    assert cit["cells"] == [{"key": "UZB", "cards": 20}]  # 19 rounded to a multiple of 5


def test_date_range(client, actors, fixed_clock) -> None:
    _make(client, actors, 10, purpose="study")
    today = clock.today()
    fixed_clock.advance(days=3)
    _make(client, actors, 10, purpose="work")
    later = (today + timedelta(days=3)).isoformat()
    r = client.get(
        "/api/v1/stats/cards", params={"by": "purpose", "from": later}, headers=actors["analyst"]
    )
    assert r.json()["cells"] == [{"key": "work", "cards": 10}] and r.json()["from"] == later
    r = client.get(
        "/api/v1/stats/cards",
        params={"by": "purpose", "to": today.isoformat()},
        headers=actors["analyst"],
    )
    assert r.json()["cells"] == [{"key": "study", "cards": 10}]
    bad = client.get(
        "/api/v1/stats/cards",
        params={"by": "purpose", "from": later, "to": today.isoformat()},
        headers=actors["analyst"],
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "to"


def test_access_and_bad_grouping(client, actors) -> None:
    assert (
        client.get(
            "/api/v1/stats/cards", params={"by": "region"}, headers=actors["officer"]
        ).status_code
        == 403
    )
    assert (
        client.get(
            "/api/v1/stats/cards", params={"by": "region"}, headers=actors["cards:read"]
        ).status_code
        == 403
    )
    assert (
        client.get(
            "/api/v1/stats/cards", params={"by": "surname"}, headers=actors["analyst"]
        ).status_code
        == 422
    )


def test_extreme_dates_are_answered_not_failed(client, actors, fixed_clock) -> None:
    _make(client, actors, 10, purpose="study")
    r = client.get(
        "/api/v1/stats/cards",
        params={"by": "purpose", "from": "0001-01-01", "to": "9999-12-31"},
        headers=actors["analyst"],
    )
    assert r.status_code == 200, r.text
    assert r.json()["cells"] == [{"key": "study", "cards": 10}]
