"""Course effectiveness figures: per module, language and citizenship, small cells hidden."""

from __future__ import annotations

from fastapi.testclient import TestClient

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
