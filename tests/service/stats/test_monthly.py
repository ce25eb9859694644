"""Monthly counts in Moscow time, names in Russian and English, and the disclosure rules
(suppression as before, rounding against differencing)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.core import clock
from service.stats.disclosure import protect
from tests.factories import card_payload


def _make(client, actors, n: int, **overrides: Any) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    made = []
    for _ in range(n):
        r = client.post("/api/v1/cards", json=card_payload(**overrides), headers=actors["admin"])
        assert r.status_code == 201, r.text
        made.append(r.json())
    return made


def _enter(client, actors, cards: list[dict[str, Any]]) -> None:  # type: ignore[no-untyped-def]
    for card in cards:
        r = client.post(
            f"/api/v1/cards/{card['id']}/entry",
            json={"crossing_point": "Домодедово"},
            headers=actors["admin"],
        )
        assert r.status_code == 200, r.text


def _monthly(client, actors, **params: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/stats/cards/monthly", params=params, headers=actors["analyst"])
    assert r.status_code == 200, r.text
    return r.json()


def _cells(body: dict[str, Any]) -> dict[str, dict[str, tuple[Any, Any]]]:
    return {
        g["code"]: {m["month"]: (m["issued"], m["arrivals"]) for m in g["months"]}
        for g in body["groups"]
    }


def test_months_split_at_midnight_in_moscow(client, actors, fixed_clock) -> None:
    # 31 October 23:30 in Moscow is 20:30 UTC; 1 November 00:30 in Moscow is 21:30 UTC.
    fixed_clock.current = datetime(2026, 10, 31, 20, 30, tzinfo=UTC)
    october = _make(client, actors, 10, region="RU-SVE")
    _enter(client, actors, october)
    fixed_clock.current = datetime(2026, 10, 31, 21, 30, tzinfo=UTC)
    november = _make(client, actors, 13, region="RU-SVE")
    _enter(client, actors, november)
    _make(client, actors, 12, region="RU-MOW")  # issued, nobody entered yet
    fixed_clock.current = datetime(2026, 12, 1, 21, 30, tzinfo=UTC)  # 2 December in Moscow
    _enter(client, actors, _make(client, actors, 3, region="RU-SVE"))  # hidden: 3 < 10

    body = _monthly(client, actors, by="region", **{"from": "2026-10-01", "to": "2026-12-31"})
    assert body["months"] == ["2026-10", "2026-11", "2026-12"]
    assert body["timezone"] == "Europe/Moscow" and body["lang"] == "ru"
    assert _cells(body) == {
        "RU-SVE": {
            "2026-10": (10, 10),
            "2026-11": (15, 15),  # 13 rounded to a multiple of 5
            "2026-12": (None, None),  # 3 issued and 3 entered: hidden
        },
        "RU-MOW": {"2026-10": (0, 0), "2026-11": (10, 0), "2026-12": (0, 0)},
    }
    assert body["suppressed_cells"] == 2
    labels = {g["code"]: g["label"] for g in body["groups"]}
    assert labels == {"RU-SVE": "Свердловская область", "RU-MOW": "Москва"}
    assert [g["code"] for g in body["groups"]] == ["RU-SVE", "RU-MOW"]  # largest first

    # A range is widened to whole months, so a cell is the same in every answer holding it.
    one_day = _monthly(client, actors, by="region", **{"from": "2026-11-01", "to": "2026-11-01"})
    assert (one_day["from"], one_day["to"]) == ("2026-11-01", "2026-11-30")
    assert _cells(one_day) == {"RU-SVE": {"2026-11": (15, 15)}, "RU-MOW": {"2026-11": (10, 0)}}
    october_only = _monthly(
        client, actors, by="region", **{"from": "2026-10-31", "to": "2026-10-31"}
    )
    assert _cells(october_only) == {"RU-SVE": {"2026-10": (10, 10)}}

    english = _monthly(
        client, actors, by="citizenship", lang="en", **{"from": "2026-10-01", "to": "2026-11-30"}
    )
    assert english["groups"][0]["code"] == "UZB" and english["groups"][0]["label"] == "Uzbekistan"
    purposes = _monthly(client, actors, by="purpose", **{"from": "2026-10-01", "to": "2026-11-30"})
    assert purposes["groups"][0]["label"] == "Работа"


def test_default_range_and_bad_ranges(client, actors, fixed_clock) -> None:
    _make(client, actors, 10)
    body = _monthly(client, actors, by="region")
    assert len(body["months"]) == 12 and body["months"][-1] == clock.today().strftime("%Y-%m")
    assert body["groups"][0]["months"][-1]["issued"] == 10
    for params in (
        {"by": "region", "from": "2026-05-01", "to": "2026-04-30"},
        {"by": "region", "from": "2000-01-01", "to": "2026-01-01"},
    ):
        r = client.get("/api/v1/stats/cards/monthly", params=params, headers=actors["analyst"])
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to"
    for params in ({"by": "surname"}, {"by": "region", "lang": "de"}):
        r = client.get("/api/v1/stats/cards/monthly", params=params, headers=actors["analyst"])
        assert r.status_code == 422, r.text
    r = client.get(
        "/api/v1/stats/cards/monthly",
        params={"by": "region", "from": "9999-01-01", "to": "9999-12-31"},
        headers=actors["analyst"],
    )
    assert r.status_code == 200 and r.json()["groups"] == []
    for who in ("officer", "cards:read"):
        r = client.get("/api/v1/stats/cards/monthly", params={"by": "region"}, headers=actors[who])
        assert r.status_code == 403


def test_items_carry_code_label_count_in_both_languages(client, actors, fixed_clock) -> None:
    _make(client, actors, 10, region="RU-SVE", purpose="study")
    _make(client, actors, 11, region="RU-MOW")
    ru = client.get(
        "/api/v1/stats/cards", params={"by": "region"}, headers=actors["analyst"]
    ).json()
    assert ru["items"] == [
        {"code": "RU-MOW", "label": "Москва", "count": 10},
        {"code": "RU-SVE", "label": "Свердловская область", "count": 10},
    ]
    en = client.get(
        "/api/v1/stats/cards", params={"by": "region", "lang": "en"}, headers=actors["analyst"]
    ).json()
    assert {i["code"]: i["label"] for i in en["items"]} == {
        "RU-MOW": "Moskva",
        "RU-SVE": "Sverdlovskaya oblast'",
    }
    purpose = client.get(
        "/api/v1/stats/cards", params={"by": "purpose", "lang": "en"}, headers=actors["analyst"]
    ).json()
    assert {i["code"]: i["label"] for i in purpose["items"]} == {
        "work": "Work",
        "study": "Study",
    }


def test_suppression_is_as_strict_as_before() -> None:
    for n in range(10):
        assert protect(n, min_cell=10, base=5) is None
    assert [protect(n, min_cell=10, base=5) for n in (10, 12, 13, 17, 18, 22)] == [
        10, 10, 15, 15, 20, 20,
    ]  # fmt: skip
    assert protect(13, min_cell=10, base=1) == 13


def test_two_overlapping_ranges_do_not_reveal_a_hidden_cell(client, actors, fixed_clock) -> None:
    """Day 1: 3 cards in Tatarstan and 5 in Sverdlovsk (both hidden on their own). Day 2: 10
    and 11. Unrounded, [day 1, day 2] minus [day 2] would give 3 and 5 exactly; rounded, both
    regions answer the same pair (15, 10), so the pair cannot tell 3 from 5."""
    day1 = clock.today().isoformat()
    _make(client, actors, 3, region="RU-TA")
    _make(client, actors, 5, region="RU-SVE")
    fixed_clock.advance(days=1)
    day2 = clock.today().isoformat()
    _make(client, actors, 10, region="RU-TA")
    _make(client, actors, 11, region="RU-SVE")

    def counts(**params: str) -> dict[str, int | None]:
        r = client.get(
            "/api/v1/stats/cards", params={"by": "region", **params}, headers=actors["analyst"]
        )
        assert r.status_code == 200, r.text
        body = r.json()
        shown: dict[str, int | None] = {i["code"]: i["count"] for i in body["items"]}
        return shown | {"suppressed": body["suppressed_cells"]}

    assert counts(**{"from": day1, "to": day1}) == {"suppressed": 2}
    both = counts(**{"from": day1, "to": day2})
    second = counts(**{"from": day2, "to": day2})
    assert both == {"RU-TA": 15, "RU-SVE": 15, "suppressed": 0}
    assert second == {"RU-TA": 10, "RU-SVE": 10, "suppressed": 0}
    differences = {code: both[code] - second[code] for code in ("RU-TA", "RU-SVE")}  # type: ignore[operator]
    assert differences == {"RU-TA": 5, "RU-SVE": 5}  # true hidden cells: 3 and 5
    # The monthly table cannot be differenced at all: a range is widened to whole months, so
    # a cell is the same in every range that holds it, and no total is published beside it.
    month = clock.today().strftime("%Y-%m")
    narrow = _monthly(client, actors, by="region", **{"from": day2, "to": day2})
    wide = _monthly(client, actors, by="region", **{"from": day1, "to": day2})
    assert all(set(g) == {"code", "label", "months"} for g in wide["groups"])
    assert _cells(wide)["RU-TA"][month] == _cells(narrow)["RU-TA"][month] == (15, 0)


def test_every_region_has_a_russian_and_an_english_name() -> None:
    from service.reference.codes import ru_regions
    from service.stats.labels import Lang, regions

    assert set(regions(Lang.ru)) == set(regions(Lang.en)) == set(ru_regions())
    assert all(any("а" <= ch <= "я" for ch in name.lower()) for name in regions(Lang.ru).values())
    assert regions(Lang.ru)["RU-SVE"] == "Свердловская область"


def test_filters_answer_uzbek_builders_in_sverdlovsk(client, actors, fixed_clock) -> None:
    holder = {"holder.citizenship": "TJK"}
    _make(client, actors, 12, region="RU-SVE", occupation="Builder")
    _make(client, actors, 10, region="RU-SVE", occupation="builder", **holder)
    _make(client, actors, 10, region="RU-SVE", occupation="driver")
    _make(client, actors, 10, region="RU-MOW", occupation="builder")
    body = _monthly(
        client, actors, by="region", citizenship="UZB", occupation="BUILDER",
        **{"from": "2026-11-01", "to": "2026-11-30"},
    )  # fmt: skip
    assert body["filters"] == {"citizenship": "UZB", "occupation": "BUILDER"}
    assert _cells(body) == {"RU-SVE": {"2026-11": (10, 0)}, "RU-MOW": {"2026-11": (10, 0)}}
    r = client.get(
        "/api/v1/stats/cards/monthly",
        params={"by": "region", "citizenship": "UZBEK"},
        headers=actors["analyst"],
    )
    assert r.status_code == 422
