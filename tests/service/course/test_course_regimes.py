"""The course by regime: the card's regime picks the modules; EAEU workers are not served
the patent module when the client asks by card, and complete the course without it."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from service.checklist import policy as policies
from service.core.config import get_settings
from service.course import content
from service.course import service as course_service
from tests.factories import attempt, card_payload, consented_bot, right_answers


def _card(client: Any, headers: dict[str, str], citizenship: str) -> dict[str, Any]:
    r = client.post(
        "/api/v1/cards",
        json=card_payload(**{"holder.citizenship": citizenship}),
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_regime_lists_match_the_policy() -> None:
    assert set(content.REGIMES) == set(policies.load().regimes.ids)


def test_eaeu_worker_is_not_taught_patents_and_completes_without_them(
    client, actors, course
) -> None:  # type: ignore[no-untyped-def]
    # One phone registers two people (the bot acts for its Telegram user).
    bot = consented_bot(client, actors, 5150)
    kyrgyz = _card(client, bot, "KGZ")
    uzbek = _card(client, bot, "UZB")

    def outline(card: dict[str, Any]) -> dict[str, Any]:
        r = client.get("/api/v1/course", params={"card_id": card["id"]}, headers=bot)
        assert r.status_code == 200, r.text
        return dict(r.json())

    ky = outline(kyrgyz)
    assert ky["regime"] == "eaeu_worker"
    slugs = [m["slug"] for m in ky["modules"]]
    assert "work-permit" not in slugs and len(slugs) == len(course.modules) - 1
    assert [m["position"] for m in ky["modules"]] == list(range(1, len(slugs) + 1))
    uz = outline(uzbek)
    assert uz["regime"] == "patent_worker"
    assert "work-permit" in [m["slug"] for m in uz["modules"]]
    everyone = client.get("/api/v1/course", headers=bot).json()
    assert everyone["regime"] is None and len(everyone["modules"]) == len(course.modules)

    hidden = client.get(
        "/api/v1/course/modules/work-permit", params={"card_id": kyrgyz["id"]}, headers=bot
    )
    assert hidden.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    shown = client.get(
        "/api/v1/course/modules/work-permit", params={"card_id": uzbek["id"]}, headers=bot
    )
    assert shown.status_code == 200
    missing = client.get(
        "/api/v1/course", params={"card_id": "00000000-0000-0000-0000-000000000000"}, headers=bot
    )
    assert missing.status_code == 404

    person = kyrgyz["person_id"]
    taught = [m for m in course.modules if m.slug != "work-permit"]
    results = [attempt(client, bot, person, m.slug, right_answers(m)).json() for m in taught]
    assert [r["passed"] for r in results] == [True] * len(taught)
    assert results[-1]["course_completed"] is True
    assert not any(r["course_completed"] for r in results[:-1])
    # A client that does not filter by card may still offer the patent module: the attempt
    # is scored and kept, it was simply not needed.
    progress = client.get(f"/api/v1/persons/{person}/course", headers=bot).json()
    assert progress["modules_total"] == len(taught) == progress["modules_passed"]
    assert "work-permit" not in [m["slug"] for m in progress["modules"]]
    assert progress["completed"] is True
    extra = attempt(client, bot, person, "work-permit", right_answers(course.module("work-permit")))
    assert extra.status_code == 201 and extra.json()["passed"] is True


PATENT_ONLY = "Patent holders only: a line for them."


@pytest.fixture(scope="module")
def sectioned(tmp_path_factory: pytest.TempPathFactory) -> content.Course:
    """The real course with a patent-only block in every language of `money` and its first
    question asked of patent workers only."""
    root = tmp_path_factory.mktemp("content") / content.COURSE_DIR_NAME
    shutil.copytree(get_settings().content_dir / content.COURSE_DIR_NAME, root)
    for lang in content.REQUIRED_LANGUAGES:
        path = root / "modules/money" / f"{lang}.md"
        text = path.read_text(encoding="utf-8")
        block = f"\n<!-- regimes: patent_worker -->\n{PATENT_ONLY}\n<!-- /regimes -->\n\n## "
        path.write_text(text.replace("\n## ", block, 1), encoding="utf-8")
    quiz = root / "modules/money/quiz.yaml"
    quiz.write_text(
        quiz.read_text(encoding="utf-8").replace(
            "options:", "regimes: [patent_worker]\n    options:", 1
        ),
        encoding="utf-8",
    )
    return content.load(root)


def test_a_regime_block_is_served_only_to_its_regime(sectioned: content.Course) -> None:
    def shown(regime: str | None) -> str:
        module = course_service.module_content(
            course=sectioned, slug="money", language="en", fallback=False, regime=regime
        )
        return "\n".join(p.html + p.markdown for p in module.pages)

    assert PATENT_ONLY in shown("patent_worker")
    assert PATENT_ONLY not in shown("eaeu_worker")
    everyone = shown(None)  # no card: everything, the block shown, its markers not
    assert PATENT_ONLY in everyone
    lesson = sectioned.module("money").lessons["en"]  # type: ignore[union-attr]
    assert all("<!--" not in p.html for p in lesson.pages)


def test_questions_for_one_regime_are_asked_and_scored_only_for_it(
    sectioned: content.Course,
) -> None:
    module = sectioned.module("money")
    assert module is not None
    first = module.questions[0]
    for regime, asked in (("patent_worker", True), ("eaeu_worker", False), (None, True)):
        served = course_service.module_content(
            course=sectioned, slug="money", language="ru", fallback=False, regime=regime
        )
        assert (first.id in [q.id for q in served.questions]) is asked
    eaeu = module.questions_for("eaeu_worker")
    # The marked question is left out, as is any the content itself keeps for other regimes.
    others = [q for q in module.questions[1:] if q.regimes is None or "eaeu_worker" in q.regimes]
    assert [q.id for q in eaeu] == [q.id for q in others]
    assert first.id not in [q.id for q in eaeu]
    score = course_service.score_answers(
        module=module, answers=[q.answer for q in eaeu], pass_mark=0.75, regime="eaeu_worker"
    )
    assert score.questions == len(eaeu) and score.correct == len(eaeu)
    assert [q.id for q in score.asked] == [q.id for q in eaeu]
    # A client served the whole quiz (no card) that answers all of it is scored on all of it.
    whole = course_service.score_answers(
        module=module,
        answers=[q.answer for q in module.questions],
        pass_mark=0.75,
        regime="eaeu_worker",
    )
    assert whole.questions == len(module.questions)
