"""The course over HTTP: texts per language, quiz attempts scored on the server, progress."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.course import content
from service.main import create_app
from tests.factories import (
    attempt,
    card_payload,
    consented_bot,
    new_person,
    right_answers,
    wrong_answers,
)

LANGUAGES = ("ru", "en", "uz", "tg", "ky", "kk")


def _get(client: TestClient, headers: dict[str, str], path: str, **params: str) -> Any:
    r = client.get(path, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_outline_in_every_language(client, actors, course) -> None:
    ru = _get(client, actors["cards:write"], "/api/v1/course")
    assert (ru["language"], ru["fallback"], ru["review_status"]) == ("ru", False, "draft")
    assert ru["id"] == course.id and ru["version"] == course.version
    assert [m["slug"] for m in ru["modules"]] == [m.slug for m in course.modules]
    assert all(m["pages"] >= 1 and 4 <= m["questions"] <= 6 for m in ru["modules"])
    for lang in LANGUAGES[1:]:
        r = client.get("/api/v1/course", params={"lang": lang}, headers=actors["officer"])
        assert r.headers["content-language"] == lang
        outline = r.json()
        assert (outline["language"], outline["fallback"]) == (lang, False)
        for mine, theirs in zip(outline["modules"], ru["modules"], strict=True):
            assert mine["title"] != theirs["title"]
            assert (mine["pages"], mine["questions"]) == (theirs["pages"], theirs["questions"])


def test_every_language_differs_from_russian_for_every_module_and_section(
    client, actors, course
) -> None:
    headers = actors["cards:write"]
    ru_modules = {
        m.slug: _get(client, headers, f"/api/v1/course/modules/{m.slug}") for m in course.modules
    }
    ru_guide = {s.slug: _get(client, headers, f"/api/v1/guide/{s.slug}") for s in course.guide}
    for lang in LANGUAGES[1:]:
        for slug, ru in ru_modules.items():
            mine = _get(client, headers, f"/api/v1/course/modules/{slug}", lang=lang)
            assert (mine["language"], mine["fallback"]) == (lang, False)
            assert mine["title"] != ru["title"]
            assert len(mine["pages"]) == len(ru["pages"])
            for page, ru_page in zip(mine["pages"], ru["pages"], strict=True):
                assert page["html"] != ru_page["html"]
                assert page["markdown"] != ru_page["markdown"]
            for q, ru_q in zip(mine["questions"], ru["questions"], strict=True):
                assert q["id"] == ru_q["id"] and q["text"] != ru_q["text"]
                assert len(q["options"]) == len(ru_q["options"])
        for slug, ru in ru_guide.items():
            mine = _get(client, headers, f"/api/v1/guide/{slug}", lang=lang)
            assert (mine["language"], mine["fallback"]) == (lang, False)
            # Titles may coincide (ky "Транспорт"); the texts may not.
            for page, ru_page in zip(mine["pages"], ru["pages"], strict=True):
                assert page["html"] != ru_page["html"]


def test_guide_outline_without_the_course(client, actors, course) -> None:
    guide = _get(client, actors["stats:read"], "/api/v1/guide", lang="ky")
    assert guide["language"] == "ky" and not guide["fallback"]
    assert [s["slug"] for s in guide["sections"]] == [s.slug for s in course.guide]
    assert len(guide["sections"]) >= 8


@pytest.mark.parametrize(
    ("params", "headers", "language", "fallback"),
    [
        ({}, {}, "ru", False),
        ({"lang": "fr"}, {}, "ru", True),
        ({"lang": "UZ-latn"}, {}, "uz", False),
        ({"lang": "fr"}, {"Accept-Language": "kk"}, "ru", True),
        ({}, {"Accept-Language": "fr-FR, de;q=0.9"}, "ru", True),
        ({}, {"Accept-Language": "fr-FR, tg;q=0.5, en;q=0.8"}, "en", False),
        ({}, {"Accept-Language": "ky-KG"}, "ky", False),
        ({}, {"Accept-Language": "*"}, "ru", False),
        ({}, {"Accept-Language": ";;q=x,,"}, "ru", False),  # nothing readable: no preference
    ],
)
def test_language_choice_and_fallback(client, actors, params, headers, language, fallback) -> None:
    for path in ("/api/v1/course", "/api/v1/course/modules/housing", "/api/v1/guide/transport"):
        body = _get(client, {**actors["cards:write"], **headers}, path, **params)
        assert (body["language"], body["fallback"]) == (language, fallback), path


def test_right_answers_are_never_in_the_module_payload(client, actors, course) -> None:
    for module in course.modules:
        r = client.get(f"/api/v1/course/modules/{module.slug}", headers=actors["cards:write"])
        body = r.json()
        assert [q["id"] for q in body["questions"]] == [q.id for q in module.questions]
        assert all(set(q) == {"id", "text", "options"} for q in body["questions"])
        assert not _keys(body) & {"answer", "answers", "correct", "explanation"}


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_pages_are_html_and_markdown(client, actors) -> None:
    body = _get(client, actors["cards:write"], "/api/v1/course/modules/arriving-legally", lang="en")
    # Page 1 is the lesson's opening paragraph; page 2 starts with a heading.
    first, second = body["pages"][:2]
    assert first["number"] == 1 and second["number"] == 2
    assert "<b>" in second["html"] and "## " in second["markdown"]
    for page in body["pages"]:
        assert "fact:" not in page["html"] and "](" not in page["html"]
    assert body["position"] == 2 and body["pass_mark"] == 0.75  # after "Your first day"
    # The facts' check date, not the day the lesson was written: none of this lesson's facts
    # has a recorded reading date (they come from notes up to March 2026).
    assert "last_reviewed" in body and body["last_reviewed"] is None


def test_person_passes_fails_retries_and_completes_the_course(
    client, actors, course, fixed_clock
) -> None:
    person = new_person(client, actors["admin"])
    bot = actors["cards:write"]
    *first, last = course.modules

    for module in first:
        r = attempt(client, bot, person, module.slug, right_answers(module), lang="uz")
        assert r.status_code == 201, r.text
        result = r.json()
        assert result["passed"] and result["score"] == 1.0 and result["attempt"] == 1
        assert result["language"] == "uz" and not result["course_completed"]

    failed = attempt(client, bot, person, last.slug, wrong_answers(last)).json()
    assert not failed["passed"] and failed["score"] == 0.0 and failed["correct"] == 0
    assert [q["correct"] for q in failed["results"]] == [False] * len(last.questions)
    explanations = [q["explanation"] for q in failed["results"]]
    assert all(explanations) and explanations == [
        last.quiz["ru"][q.id].explanation for q in last.questions
    ]
    # Once scored, each result names the right option (the bot shows it for a missed one).
    assert [q["answer"] for q in failed["results"]] == [q.answer for q in last.questions]
    assert failed["course_completed"] is False and failed["completion"] is None

    progress = _get(client, actors["officer"], f"/api/v1/persons/{person}/course")
    assert progress["modules_passed"] == len(first) and not progress["completed"]
    last_progress = progress["modules"][-1]
    assert last_progress == {
        "slug": last.slug,
        "attempts": 1,
        "best_score": 0.0,
        "passed": False,
        "passed_at": None,
        "last_attempt_at": "2026-11-22T09:00:00Z",
    }

    fixed_clock.advance(days=1)
    retry = attempt(client, actors["cards:write"], person, last.slug, right_answers(last)).json()
    assert retry["passed"] and retry["attempt"] == 2
    assert retry["course_completed"] is True
    assert retry["completion"] == {
        "course_version": course.version,
        "completed_at": "2026-11-23T09:00:00Z",
        "completed_on": "2026-11-23",
    }

    progress = _get(client, actors["cards:read"], f"/api/v1/persons/{person}/course")
    assert progress["completed"] and progress["modules_passed"] == progress["modules_total"] == len(
        course.modules
    )
    assert progress["completion"]["completed_on"] == "2026-11-23"
    assert progress["modules"][-1]["attempts"] == 2
    assert progress["modules"][-1]["passed_at"] == "2026-11-23T09:00:00Z"

    # Passing again changes nothing about the completion.
    again = attempt(client, bot, person, course.modules[0].slug, right_answers(course.modules[0]))
    assert again.json()["completion"] == retry["completion"]


def test_pass_mark_is_a_share_of_right_answers(client, actors, course) -> None:
    person = new_person(client, actors["admin"])
    module = next(m for m in course.modules if len(m.questions) == 5)
    answers = right_answers(module)
    wrong = wrong_answers(module)
    four_of_five = wrong[:1] + answers[1:]
    three_of_five = wrong[:2] + answers[2:]
    r = attempt(client, actors["cards:write"], person, module.slug, three_of_five).json()
    assert (r["score"], r["passed"], r["correct"]) == (0.6, False, 3)
    assert [q["correct"] for q in r["results"]] == [False, False, True, True, True]
    r = attempt(client, actors["cards:write"], person, module.slug, four_of_five).json()
    assert (r["score"], r["passed"]) == (0.8, True)


def test_a_later_course_version_keeps_the_completion(
    client, actors, course, settings, engine, tmp_path: Path, fixed_clock
) -> None:
    person = new_person(client, actors["admin"])
    for module in course.modules:
        attempt(client, actors["cards:write"], person, module.slug, right_answers(module))
    assert _get(client, actors["cards:write"], f"/api/v1/persons/{person}/course")["completed"]

    newer = tmp_path / "content-v2"
    shutil.copytree(settings.content_dir, newer)
    manifest = newer / content.COURSE_DIR_NAME / "course.yaml"
    manifest.write_text(manifest.read_text().replace("version: 1", "version: 2"))
    app = create_app(settings.model_copy(update={"content_dir": newer}), engine)
    with TestClient(app, raise_server_exceptions=False) as v2:
        progress = _get(v2, actors["cards:write"], f"/api/v1/persons/{person}/course")
        assert progress["course_version"] == 2 and progress["modules_passed"] == 0
        assert progress["completed"] is True
        assert progress["completion"]["course_version"] == 1
        first = course.modules[0]
        r = attempt(v2, actors["cards:write"], person, first.slug, right_answers(first)).json()
        assert r["course_version"] == 2 and r["course_completed"] is True
        assert r["completion"]["course_version"] == 1


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    return body


def test_bad_answers_are_422_naming_the_field(client, actors, course) -> None:
    person = new_person(client, actors["admin"])
    module = course.modules[0]
    n = len(module.questions)
    short = _problem(
        attempt(client, actors["cards:write"], person, module.slug, [0] * (n - 1)), 422
    )
    assert short["errors"] == [
        {"field": "answers", "reason": f"give {n} answers, one per question (got {n - 1})"}
    ]
    out = [0] * n
    out[1] = module.questions[1].options
    body = _problem(attempt(client, actors["cards:write"], person, module.slug, out), 422)
    assert body["errors"][0]["field"] == "answers.1"
    body = _problem(attempt(client, actors["cards:write"], person, module.slug, [-1] * n), 422)
    assert body["errors"][0]["field"] == "answers.0"
    for bad in (
        {"answers": ["0"] * n},
        {"answers": [0.5] * n},
        {"answers": [True] * n},
        {"answers": None},
        {},
        {"answers": [0] * 51},
    ):
        r = client.post(
            f"/api/v1/persons/{person}/course/modules/{module.slug}/attempts",
            json=bad,
            headers=actors["cards:write"],
        )
        _problem(r, 422)
    nothing = _get(client, actors["cards:write"], f"/api/v1/persons/{person}/course")
    assert nothing["modules"][0]["attempts"] == 0


def test_unknown_person_module_or_section_is_404(client, actors, course) -> None:
    person = new_person(client, actors["admin"])
    stranger = str(uuid.uuid4())
    module = course.modules[0]
    answers = right_answers(module)
    _problem(attempt(client, actors["cards:write"], stranger, module.slug, answers), 404)
    _problem(attempt(client, actors["cards:write"], person, "no-such-module", answers), 404)
    _problem(client.get(f"/api/v1/persons/{stranger}/course", headers=actors["cards:write"]), 404)
    _problem(
        client.get("/api/v1/course/modules/no-such-module", headers=actors["cards:write"]), 404
    )
    _problem(client.get("/api/v1/guide/no-such-section", headers=actors["cards:write"]), 404)
    _problem(client.get("/api/v1/persons/not-a-uuid/course", headers=actors["cards:write"]), 422)


def test_access(client, actors, course) -> None:
    person = new_person(client, actors["admin"])
    module = course.modules[0]
    answers = right_answers(module)
    progress = f"/api/v1/persons/{person}/course"

    _problem(client.get("/api/v1/course"), 401)
    _problem(client.get("/api/v1/guide"), 401)
    for who in ("admin", "border", "officer", "analyst", "cards:read", "stats:read", "bot"):
        assert client.get("/api/v1/guide/transport", headers=actors[who]).status_code == 200

    for who in ("officer", "border", "analyst", "cards:read", "stats:read"):
        _problem(attempt(client, actors[who], person, module.slug, answers), 403)
    for who in ("cards:write", "admin"):
        assert attempt(client, actors[who], person, module.slug, answers).status_code == 201
    # The bot: only for the person of a card linked to the Telegram user it acts for.
    _problem(attempt(client, actors["bot"], person, module.slug, answers), 403)
    _problem(attempt(client, actors.bot_for(9001), person, module.slug, answers), 404)
    _problem(client.get(progress, headers=actors.bot_for(9001)), 404)
    own = consented_bot(client, actors, 9002)
    linked = new_person(client, own, telegram_user_id=9002)
    assert attempt(client, own, linked, module.slug, answers).status_code == 201
    assert client.get(f"/api/v1/persons/{linked}/course", headers=own).status_code == 200

    for who in ("officer", "border", "cards:read", "cards:write", "admin"):
        assert client.get(progress, headers=actors[who]).status_code == 200
    for who in ("analyst", "stats:read"):
        _problem(client.get(progress, headers=actors[who]), 403)

    for who in ("analyst", "admin", "stats:read"):
        assert client.get("/api/v1/stats/course", headers=actors[who]).status_code == 200
    for who in ("bot", "officer", "border", "cards:read", "cards:write"):
        _problem(client.get("/api/v1/stats/course", headers=actors[who]), 403)


def test_documented_in_openapi(client) -> None:
    spec = client.get("/openapi.json").json()
    paths = {
        "/api/v1/course": "get",
        "/api/v1/course/modules/{slug}": "get",
        "/api/v1/persons/{person_id}/course/modules/{slug}/attempts": "post",
        "/api/v1/persons/{person_id}/course": "get",
        "/api/v1/guide": "get",
        "/api/v1/guide/{slug}": "get",
        "/api/v1/stats/course": "get",
    }
    for path, method in paths.items():
        operation = spec["paths"][path][method]
        for status in ("401", "403", "404", "422"):
            media = operation["responses"][status]["content"]
            assert "application/problem+json" in media, (path, status)
    schema = json.dumps(spec["components"]["schemas"]["QuestionOut"])
    assert '"answer"' not in schema


def test_completion_shows_on_the_proof(client, actors, course, fixed_clock) -> None:
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()

    def verified() -> dict[str, Any]:
        proof = client.get(f"/api/v1/cards/{card['id']}/proof", headers=actors["cards:write"])
        r = client.post(
            "/api/v1/verify", json={"payload": proof.json()["payload"]}, headers=actors["officer"]
        )
        body: dict[str, Any] = r.json()["card"]
        return body

    assert verified()["course_completed_on"] is None
    for module in course.modules:
        attempt(
            client, actors["cards:write"], card["person_id"], module.slug, right_answers(module)
        )
    assert verified()["course_completed_on"] == "2026-11-22"
