"""Course effectiveness figures: per module, language and citizenship, small cells hidden."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import text

from service.core.db import transaction
from service.course import snapshot
from service.course.models import CourseStatsSnapshot
from service.main import create_app
from tests.factories import attempt, new_person, right_answers, wrong_answers


def test_cell_of_nine_is_hidden_and_ten_is_shown(client, actors, course, settings, engine) -> None:
    module = course.modules[0]
    right, wrong = right_answers(module), wrong_answers(module)
    bot = actors["cards:write"]
    uzbeks = [new_person(client, actors["admin"]) for _ in range(10)]
    tajiks = [
        new_person(client, actors["admin"], **{"holder.citizenship": "TJK"}) for _ in range(9)
    ]
    # Ten Uzbek citizens in Uzbek: six pass at once, four fail and one of them retries and passes.
    for n, person in enumerate(uzbeks):
        attempt(client, bot, person, module.slug, right if n < 6 else wrong, lang="uz")
    attempt(client, bot, uzbeks[-1], module.slug, right, lang="uz")
    # Nine Tajik citizens, also in Uzbek: all pass.
    for person in tajiks:
        assert attempt(client, bot, person, module.slug, right, lang="uz").status_code == 201

    stats = client.get("/api/v1/stats/course", headers=actors["analyst"]).json()
    assert stats["min_cell"] == 10 and stats["course_version"] == course.version
    assert stats["suppressed_cells"] == 1
    assert stats["cells"] == [
        {
            "module": module.slug,
            "language": "uz",
            "citizenship": "UZB",
            "started": 10,
            "passed": 7,
            "pass_rate": 0.7,
            "mean_score": round(7 / 11, 4),
            "attempts": 11,
        }
    ]
    assert "TJK" not in str(stats)

    # The threshold is a setting.
    looser = create_app(settings.model_copy(update={"stats_min_cell": 9}), engine)
    with TestClient(looser, raise_server_exceptions=False) as c:
        cells = c.get("/api/v1/stats/course", headers=actors["stats:read"]).json()["cells"]
    assert [(x["citizenship"], x["started"], x["pass_rate"]) for x in cells] == [
        ("TJK", 9, 1.0),
        ("UZB", 10, 0.7),
    ]


def test_other_version_has_no_figures(client, actors) -> None:
    r = client.get("/api/v1/stats/course", params={"version": 7}, headers=actors["admin"])
    assert r.status_code == 200
    assert r.json()["cells"] == [] and r.json()["course_version"] == 7
    bad = client.get("/api/v1/stats/course", params={"version": 0}, headers=actors["admin"])
    assert bad.status_code == 422


# ------------------------------------------------------------------ the snapshot (issue 17)


def _figures(client, headers) -> dict:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/stats/course", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _ten_attempts(client, actors, course) -> list[str]:  # type: ignore[no-untyped-def]
    module = course.modules[0]
    people = [new_person(client, actors["admin"]) for _ in range(10)]
    for person in people:
        attempt(client, actors["cards:write"], person, module.slug, right_answers(module))
    return people


def test_snapshot_is_served_while_nothing_changed(client, actors, course, engine) -> None:
    _ten_attempts(client, actors, course)
    first = _figures(client, actors["analyst"])
    assert first["cells"][0]["started"] == 10 and first["as_of"]
    # Nothing was added: the stored cells are the answer (marked here to tell them apart).
    with engine.begin() as conn:
        (cells,) = conn.execute(text("SELECT cells FROM course_stats_snapshot")).one()
        cells = json.loads(cells) if isinstance(cells, str) else cells
        cells[0]["attempts"] = 99
        conn.execute(text("UPDATE course_stats_snapshot SET cells = :c"), {"c": json.dumps(cells)})
    again = _figures(client, actors["analyst"])
    assert again["as_of"] == first["as_of"] and again["cells"][0]["attempts"] == 99


def test_snapshot_is_computed_again_after_an_attempt(client, actors, course) -> None:
    people = _ten_attempts(client, actors, course)
    first = _figures(client, actors["analyst"])
    module = course.modules[0]
    attempt(client, actors["cards:write"], people[0], module.slug, wrong_answers(module))
    # ONBOARD_STATS_REFRESH_SECONDS is 0 in the tests: every answer is exact.
    again = _figures(client, actors["analyst"])
    assert (first["cells"][0]["attempts"], again["cells"][0]["attempts"]) == (10, 11)
    assert again["as_of"] >= first["as_of"]


def test_young_snapshot_is_served_with_its_time(client, actors, course, settings, engine) -> None:
    people = _ten_attempts(client, actors, course)
    lazy = create_app(settings.model_copy(update={"stats_refresh_seconds": 3600}), engine)
    module = course.modules[0]
    with TestClient(lazy, raise_server_exceptions=False) as c:
        first = _figures(c, actors["analyst"])
        attempt(c, actors["cards:write"], people[0], module.slug, wrong_answers(module))
        # Younger than an hour: served as it is, saying when it was computed.
        young = _figures(c, actors["analyst"])
        assert young == first and young["cells"][0]["attempts"] == 10
        # An hour old: computed again, attempt included.
        with engine.begin() as conn:
            old = datetime.now(UTC) - timedelta(hours=2)
            conn.execute(text("UPDATE course_stats_snapshot SET computed_at = :t"), {"t": old})
        fresh = _figures(c, actors["analyst"])
    assert fresh["cells"][0]["attempts"] == 11 and fresh["as_of"] > first["as_of"]


def test_erasure_leaves_the_course_figures_as_they_were(client, actors, course) -> None:
    """Erasure clears names and documents; attempts and citizenship stay, and the figures
    hold no personal data, so the snapshot stands (no recomputation over every attempt)."""
    people = _ten_attempts(client, actors, course)
    before = _figures(client, actors["analyst"])
    r = client.post(f"/api/v1/persons/{people[0]}/erase", headers=actors["admin"])
    assert r.status_code == 200, r.text
    after = _figures(client, actors["analyst"])
    assert after == before


def test_background_refresh_only_when_stale(client, actors, course, engine) -> None:
    people = _ten_attempts(client, actors, course)
    version = course.version
    with transaction(engine) as s:
        # No snapshot yet: computed; then nothing new: left alone.
        assert snapshot.refresh_if_stale(session=s, version=version, refresh_seconds=600)
        assert not snapshot.refresh_if_stale(session=s, version=version, refresh_seconds=600)
    module = course.modules[0]
    attempt(client, actors["cards:write"], people[0], module.slug, wrong_answers(module))
    with transaction(engine) as s:
        # A new attempt, but the snapshot is younger than half the period: left alone.
        assert not snapshot.refresh_if_stale(session=s, version=version, refresh_seconds=600)
        # Older than half the period: computed again, the attempt counted.
        assert snapshot.refresh_if_stale(session=s, version=version, refresh_seconds=0)
        stored = s.get(CourseStatsSnapshot, version)
        assert stored is not None and stored.cells[0]["attempts"] == 11
