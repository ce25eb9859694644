"""GET /api/v1/stats/outcomes: ended stays and obligations, split by course completion by the
deadline (Moscow dates), with suppression, rounding and the plain-words note."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest.mock import ANY

import pytest
from sqlalchemy import text
from sqlmodel import Session

from service.checklist import policy as policies
from service.core import clock
from service.core.config import get_settings
from service.core.db import transaction
from service.course import content
from service.stats import cube, rollup
from tests.factories import attempt, card_payload, right_answers


@pytest.fixture
def course() -> content.Course:
    return content.get_course(get_settings().content_dir)


def _cards(client, actors, n: int, **overrides: Any) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    made = []
    for _ in range(n):
        r = client.post("/api/v1/cards", json=card_payload(**overrides), headers=actors["admin"])
        assert r.status_code == 201, r.text
        made.append(r.json())
    return made


def _post(client, actors, path: str, body: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    r = client.post(path, json=body, headers=actors["admin"])
    assert r.status_code == 200, r.text


def _finish_course(client, actors, course, cards: list[dict[str, Any]]) -> None:  # type: ignore[no-untyped-def]
    for card in cards:
        for module in course.modules:
            r = attempt(
                client, actors["cards:write"], card["person_id"], module.slug, right_answers(module)
            )
            assert r.status_code in (200, 201), r.text


def _outcomes(client, actors, **params: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/stats/outcomes", params=params, headers=actors["analyst"])
    assert r.status_code == 200, r.text
    return r.json()


def _by_course(groups: list[dict[str, Any]]) -> dict[bool, tuple[Any, Any, Any]]:
    return {g["course_completed"]: (g["total"], g["counts"], g["shares"]) for g in groups}


def test_outcomes_split_by_course(client, actors, course, fixed_clock) -> None:
    start = clock.today()
    took = _cards(client, actors, 10)
    skipped = _cards(client, actors, 12)
    revoked = _cards(client, actors, 10)
    for card in took + skipped:
        _post(client, actors, f"/api/v1/cards/{card['id']}/entry", {"crossing_point": "Внуково"})
    for card in revoked:
        _post(client, actors, f"/api/v1/cards/{card['id']}/revoke", {"reason": "ошибка в данных"})
    _finish_course(client, actors, course, took)

    fixed_clock.advance(days=30)
    for card in took:  # registered on day 2: on time (7 working days)
        _post(
            client, actors,
            f"/api/v1/cards/{card['id']}/checklist/migration-registration/done",
            {"evidence": "талон", "done_on": (start + timedelta(days=2)).isoformat()},
        )  # fmt: skip
        _post(client, actors, f"/api/v1/cards/{card['id']}/exit", {"crossing_point": "Внуково"})
    for card in skipped[:10]:  # registered on day 20: late
        _post(
            client, actors,
            f"/api/v1/cards/{card['id']}/checklist/migration-registration/done",
            {"evidence": "талон", "done_on": (start + timedelta(days=20)).isoformat()},
        )  # fmt: skip
    before_end = _outcomes(client, actors)
    # Only the ended stays count: the 10 exits and the 10 revocations so far.
    assert _by_course(before_end["cards"])[True][0] == 10
    assert _by_course(before_end["cards"])[False][1]["revoked"] == 10

    fixed_clock.advance(days=70)  # past every stay's end (90 days)
    body = _outcomes(client, actors)
    assert body["by"] == "course" and "не доказывает" in body["note"]
    cards = _by_course(body["cards"])
    assert cards[True] == (
        10,
        {"exit_on_time": 10, "overstayed": 0, "extended": 0, "revoked": 0},
        {"exit_on_time": 1.0, "overstayed": 0.0, "extended": 0.0, "revoked": 0.0},
    )
    # 12 overstayed (shown 10) and 10 revoked: 22 in all, shown 20.
    assert cards[False] == (
        20,
        {"exit_on_time": 0, "overstayed": 10, "extended": 0, "revoked": 10},
        {"exit_on_time": 0.0, "overstayed": 0.5, "extended": 0.0, "revoked": 0.5},
    )
    obligations = _by_course(body["obligations"])
    # Each entered card had three obligations due within its stay: registration, the
    # medical check and the work permit (purpose work); only registration was reported.
    assert obligations[True][:2] == (30, {"met_on_time": 10, "late": 0, "missed": 20})
    # 10 late, 2 + 12 + 12 = 26 missed (shown 25); 36 in all (shown 35).
    assert obligations[False][:2] == (35, {"met_on_time": 0, "late": 10, "missed": 25})
    assert obligations[False][2]["late"] == round(10 / 35, 3)

    english = _outcomes(client, actors, by="citizenship", lang="en")
    assert {g["label"] for g in english["cards"]} == {"Uzbekistan"}
    assert "not that the course caused it" in english["note"]
    region = _outcomes(client, actors, by="region")
    assert {(g["code"], g["label"]) for g in region["cards"]} == {("RU-MOW", "Москва")}

    # The monthly filters narrow the cards counted: all of these are Uzbek, in Moscow.
    narrowed = _outcomes(client, actors, citizenship="UZB", region="RU-MOW")
    assert narrowed["filters"] == {"region": "RU-MOW", "citizenship": "UZB"}
    assert (narrowed["cards"], narrowed["obligations"]) == (body["cards"], body["obligations"])
    other = _outcomes(client, actors, citizenship="TJK")
    assert other["cards"] == [] and other["obligations"] == []
    assert _outcomes(client, actors, region="RU-SVE")["cards"] == []


def test_course_completed_after_midnight_in_moscow_is_after_the_deadline(
    client, actors, course, fixed_clock
) -> None:
    """Stays end on 30 November. Ten holders finish the course at 23:30 Moscow time that day
    (20:30 UTC), ten at 00:30 on 1 December (21:30 UTC, still 30 November in UTC)."""
    fixed_clock.current = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    until = date(2026, 11, 30).isoformat()
    on_time = _cards(client, actors, 10, **{"planned_stay.until": until})
    after = _cards(client, actors, 10, **{"planned_stay.until": until})
    fixed_clock.current = datetime(2026, 11, 30, 20, 30, tzinfo=UTC)
    _finish_course(client, actors, course, on_time)
    fixed_clock.current = datetime(2026, 11, 30, 21, 30, tzinfo=UTC)
    _finish_course(client, actors, course, after)
    fixed_clock.current = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    cards = _by_course(_outcomes(client, actors)["cards"])
    assert cards[True][:2] == (
        10,
        {"exit_on_time": 0, "overstayed": 10, "extended": 0, "revoked": 0},
    )
    assert cards[False][:2] == (
        10,
        {"exit_on_time": 0, "overstayed": 10, "extended": 0, "revoked": 0},
    )


def test_small_groups_are_hidden_and_access_is_checked(client, actors, fixed_clock) -> None:
    _cards(client, actors, 3)
    fixed_clock.advance(days=100)
    body = _outcomes(client, actors)
    (group,) = body["cards"]
    assert group["total"] is None and group["counts"]["overstayed"] is None
    assert group["shares"]["overstayed"] is None and body["suppressed_cells"] == 2
    for who in ("officer", "cards:read"):
        r = client.get("/api/v1/stats/outcomes", headers=actors[who])
        assert r.status_code == 403
    r = client.get("/api/v1/stats/outcomes", params={"by": "surname"}, headers=actors["analyst"])
    assert r.status_code == 422


def test_outcomes_narrowed_by_occupation(client, actors, course, engine, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    """Uzbek builders and drivers in Sverdlovsk region: the occupation filter (any case, as
    on the monthly endpoint) counts the builders only, before and after a fold."""
    builders = _cards(client, actors, 10, region="RU-SVE", occupation="Builder")
    _cards(client, actors, 12, region="RU-SVE", occupation="driver")
    _cards(
        client, actors, 11, region="RU-SVE", occupation="builder", **{"holder.citizenship": "TJK"}
    )
    _finish_course(client, actors, course, builders)
    fixed_clock.advance(days=100)
    query = {"citizenship": "UZB", "region": "RU-SVE", "occupation": "BUILDER"}
    body = _outcomes(client, actors, **query)
    assert body["filters"] == query
    assert _by_course(body["cards"]) == {
        True: (10, {"exit_on_time": 0, "overstayed": 10, "extended": 0, "revoked": 0},
               {"exit_on_time": 0.0, "overstayed": 1.0, "extended": 0.0, "revoked": 0.0}),
    }  # fmt: skip
    drivers = _outcomes(client, actors, citizenship="UZB", occupation="driver", by="region")
    assert [(g["code"], g["course_completed"], g["total"]) for g in drivers["cards"]] == [
        ("RU-SVE", False, 10)  # 12, rounded
    ]
    every = _outcomes(client, actors, occupation="builder", by="citizenship")
    assert {(g["code"], g["total"]) for g in every["cards"]} == {("TJK", 10), ("UZB", 10)}
    assert _outcomes(client, actors, occupation="welder")["cards"] == []
    fixed_clock.advance(seconds=11)  # past the fold's margin: the roll-up answers the same
    with transaction(engine) as session:
        rollup.fold(
            session=session, policy=policies.load(get_settings().policy_dir or policies.DEFAULT_DIR)
        )
    with Session(engine) as session:
        assert cube.pending(session, None, clock.today()) is not None
    assert _outcomes(client, actors, **query)["cards"] == body["cards"]
    assert _outcomes(client, actors, citizenship="UZB", occupation="driver", by="region") == {
        **drivers,
        "as_of": ANY,
    }
    r = client.get(
        "/api/v1/stats/outcomes", params={"occupation": "x" * 121}, headers=actors["analyst"]
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"


def test_two_overlapping_filters_do_not_reveal_a_hidden_cell(client, actors, fixed_clock) -> None:
    """In Sverdlovsk region 10 builders and 3 drivers overstayed, in Tatarstan 10 builders
    and 5 drivers. The drivers are hidden on their own; unrounded, all occupations minus
    builders would give 3 and 5 exactly. Rounded, both regions answer the same pair (15, 10),
    so the pair cannot tell 3 from 5."""
    for region, drivers in (("RU-SVE", 3), ("RU-TA", 5)):
        _cards(client, actors, 10, region=region, occupation="builder")
        _cards(client, actors, drivers, region=region, occupation="driver")
    fixed_clock.advance(days=100)

    def overstayed(**params: str) -> dict[str, int | None]:
        body = _outcomes(client, actors, by="region", **params)
        return {g["code"]: g["counts"]["overstayed"] for g in body["cards"]}

    assert overstayed(occupation="driver") == {"RU-SVE": None, "RU-TA": None}
    every, builders = overstayed(), overstayed(occupation="builder")
    assert every == {"RU-SVE": 15, "RU-TA": 15} and builders == {"RU-SVE": 10, "RU-TA": 10}
    differences = {code: every[code] - builders[code] for code in every}  # type: ignore[operator]
    assert differences == {"RU-SVE": 5, "RU-TA": 5}  # true hidden cells: 3 and 5


REGISTRATION = "migration-registration"


def _registration(client, actors, cards: list[dict[str, Any]], day: date) -> None:  # type: ignore[no-untyped-def]
    for card in cards:
        _post(
            client, actors, f"/api/v1/cards/{card['id']}/checklist/{REGISTRATION}/done",
            {"evidence": "талон", "done_on": day.isoformat()},
        )  # fmt: skip


def test_one_obligation_alone(client, actors, course, engine, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    """Registration read alone (obligation=), before and after a fold, after migration 0021
    emptied the roll-up (counted from scratch) and after the fold that rebuilds it."""
    start = clock.today()
    took, skipped = _cards(client, actors, 10), _cards(client, actors, 12)
    for card in took + skipped:
        _post(client, actors, f"/api/v1/cards/{card['id']}/entry", {"crossing_point": "Внуково"})
    _finish_course(client, actors, course, took)
    fixed_clock.advance(days=30)
    _registration(client, actors, took, start + timedelta(days=2))  # on time
    _registration(client, actors, skipped[:10], start + timedelta(days=20))  # late; 2 missed
    fixed_clock.advance(days=70)  # past every stay's end

    every = _outcomes(client, actors)
    body = _outcomes(client, actors, obligation=REGISTRATION)
    assert body["filters"] == {"obligation": REGISTRATION}
    assert body["cards"] == every["cards"]  # the filter narrows the obligations only
    assert _by_course(body["obligations"]) == {
        True: (10, {"met_on_time": 10, "late": 0, "missed": 0},
               {"met_on_time": 1.0, "late": 0.0, "missed": 0.0}),
        False: (10, {"met_on_time": 0, "late": 10, "missed": None},  # 12 and 2: rounded, hidden
                {"met_on_time": 0.0, "late": 1.0, "missed": None}),
    }  # fmt: skip
    # All obligations together: registration, the medical check and the work permit.
    assert _by_course(every["obligations"])[True][:2] == (
        30, {"met_on_time": 10, "late": 0, "missed": 20}
    )  # fmt: skip
    medical = _outcomes(client, actors, obligation="biometrics-and-medical", citizenship="UZB")
    assert medical["filters"] == {"citizenship": "UZB", "obligation": "biometrics-and-medical"}
    assert {g["course_completed"]: g["counts"] for g in medical["obligations"]} == {
        True: {"met_on_time": 0, "late": 0, "missed": 10},
        False: {"met_on_time": 0, "late": 0, "missed": 10},
    }
    choices = {c["code"]: c["label"] for c in body["obligation_choices"]}
    assert choices[REGISTRATION] == "Постановка на миграционный учёт"
    assert "stay-end" not in choices  # met by an exit, never reported: not counted
    english = _outcomes(client, actors, obligation=REGISTRATION, lang="en", by="region")
    assert {c["code"]: c["label"] for c in english["obligation_choices"]}[REGISTRATION] == (
        "Migration registration at the place of stay"
    )

    queries = [{"obligation": REGISTRATION}, {"obligation": REGISTRATION, "by": "region"}, {}]

    def answers() -> list[Any]:
        out = [{**_outcomes(client, actors, **q), "as_of": None} for q in queries]
        r = client.get(
            "/api/v1/stats/cards/monthly", params={"by": "region"}, headers=actors["analyst"]
        )
        return [*out, {**r.json(), "as_of": None}]

    before = answers()
    fixed_clock.advance(seconds=11)  # past the fold's margin
    policy = policies.load(get_settings().policy_dir or policies.DEFAULT_DIR)
    with transaction(engine) as session:
        rollup.fold(session=session, policy=policy)
    with Session(engine) as session:
        assert cube.pending(session, policy, clock.today()) is not None  # the roll-up answers
    assert answers() == before
    with transaction(engine) as session:  # what migration 0021 does to a folded database
        session.execute(text("DELETE FROM stats_outcome"))
        session.execute(text("UPDATE stats_card SET obligations = ''"))
        session.execute(text("UPDATE stats_rollup_state SET policy = ''"))
    with Session(engine) as session:
        assert cube.pending(session, policy, clock.today()) is None  # counted from scratch
    assert answers() == before
    with transaction(engine) as session:
        rollup.fold(session=session, policy=policy)  # another version: rebuilds
    with Session(engine) as session:
        items = session.execute(
            text("SELECT DISTINCT item FROM stats_outcome WHERE kind = 'obligation'")
        ).scalars()
        assert set(items) == {REGISTRATION, "biometrics-and-medical", "work-permit"}
        assert cube.pending(session, policy, clock.today()) is not None
    assert answers() == before


@pytest.mark.parametrize("obligation", ["registration", "stay-end", "x" * 65])
def test_an_obligation_not_counted_is_refused(client, actors, obligation: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(
        "/api/v1/stats/outcomes", params={"obligation": obligation}, headers=actors["analyst"]
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
