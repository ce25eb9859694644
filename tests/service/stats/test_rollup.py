"""The daily roll-up gives the same answers as counting every card, before and after a fold,
across days, with cards created after the watermark and with an erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from service.core import clock
from service.core.db import transaction
from service.stats import rollup
from service.stats.models import CardStatsDaily
from tests.factories import card_payload

DIMENSIONS = ("region", "citizenship", "purpose", "occupation")


def _make(client, actors, n: int, **overrides: Any) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    made = []
    for _ in range(n):
        r = client.post("/api/v1/cards", json=card_payload(**overrides), headers=actors["admin"])
        assert r.status_code == 201, r.text
        made.append(r.json())
    return made


def _answers(client, actors, days: list[str]) -> dict[tuple[str, str, str], Any]:  # type: ignore[no-untyped-def]
    out = {}
    ranges = [("", "")] + [(d, "") for d in days] + [("", d) for d in days] + [(days[1], days[1])]
    for by in DIMENSIONS:
        for start, end in ranges:
            params = {"by": by} | ({"from": start} if start else {}) | ({"to": end} if end else {})
            r = client.get("/api/v1/stats/cards", params=params, headers=actors["analyst"])
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["as_of"]
            out[(by, start, end)] = (body["cells"], body["suppressed_cells"])
    return out


def test_fold_keeps_every_answer(client, actors, engine, fixed_clock) -> None:
    days = []
    for step in range(3):
        days.append(clock.now().date().isoformat())
        _make(client, actors, 10 + step, region="RU-SPE", occupation="Builder")
        _make(client, actors, 3, region="RU-TA", occupation="driver", purpose="study")
        _make(client, actors, 11, region="RU-MOW", occupation=None, purpose="work")
        fixed_clock.advance(days=1)
    before = _answers(client, actors, days)
    assert before[("region", "", "")][0][0] == {"key": "RU-MOW", "cards": 35}  # 33, rounded

    fixed_clock.advance(minutes=1)  # past the fold's margin
    with transaction(engine) as session:
        assert rollup.fold(session=session) == 3 * 24 + 3
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(CardStatsDaily)).one() > 0
        assert rollup.watermark(session) is not None
    assert _answers(client, actors, days) == before

    # Cards after the watermark are counted live and added to the rolled-up days.
    _make(client, actors, 7, region="RU-TA", occupation="driver", purpose="study")
    after = _answers(client, actors, days)
    assert {"key": "RU-TA", "cards": 15} in after[("region", "", "")][0]  # 16, rounded
    with transaction(engine) as session:
        assert rollup.fold(session=session) == 0  # the new cards are inside the margin
    fixed_clock.advance(minutes=1)
    with transaction(engine) as session:
        assert rollup.fold(session=session) == 7
    assert _answers(client, actors, days) == after


def test_erasure_moves_a_folded_card_like_a_live_one(client, actors, engine, fixed_clock) -> None:
    cards = _make(client, actors, 10, occupation="welder")
    _make(client, actors, 12, occupation=None)

    def occupations() -> list[dict[str, Any]]:
        r = client.get(
            "/api/v1/stats/cards", params={"by": "occupation"}, headers=actors["analyst"]
        )
        return r.json()["cells"]  # type: ignore[no-any-return]

    assert occupations() == [{"key": "(not given)", "cards": 10}, {"key": "welder", "cards": 10}]
    fixed_clock.advance(minutes=1)
    with transaction(engine) as session:
        rollup.fold(session=session)
    r = client.post(f"/api/v1/persons/{cards[0]['person_id']}/erase", headers=actors["admin"])
    assert r.status_code == 200, r.text
    # welder falls to 9 (suppressed), "(not given)" rises to 13 (shown rounded to 15): as
    # counting the cards says.
    assert occupations() == [{"key": "(not given)", "cards": 15}]
