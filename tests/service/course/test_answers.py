"""Quiz feedback per answer: each answer is checked and explained at once, kept, and the last
one scores the attempt; a whole attempt cannot change an answer already shown."""

from __future__ import annotations

from typing import Any

from tests.factories import attempt, card_payload, consented_bot


def _answer(
    client: Any,
    headers: dict[str, str],
    person: str,
    slug: str,
    qid: str,
    chosen: Any,
    **params: str,
) -> Any:
    return client.post(
        f"/api/v1/persons/{person}/course/modules/{slug}/questions/{qid}/answer",
        json={"chosen": chosen},
        params=params,
        headers=headers,
    )


def _person(client: Any, headers: dict[str, str], citizenship: str = "UZB") -> str:
    r = client.post(
        "/api/v1/cards", json=card_payload(**{"holder.citizenship": citizenship}), headers=headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["person_id"])


def test_each_answer_is_explained_and_the_last_scores_the_attempt(client, actors, course) -> None:  # type: ignore[no-untyped-def]
    bot = consented_bot(client, actors, 7101)
    person = _person(client, bot)
    module = course.modules[0]
    questions = module.questions
    feedback = []
    for n, q in enumerate(questions, start=1):
        chosen = q.answer if n > 1 else (q.answer + 1) % q.options  # the first one wrong
        r = _answer(client, bot, person, module.slug, q.id, chosen, lang="uz")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["correct"] is (n > 1) and body["answer"] == q.answer
        assert body["already_answered"] is False
        assert body["explanation"] == module.quiz["uz"][q.id].explanation
        assert (body["answered"], body["questions"]) == (n, len(questions))
        feedback.append(body)
    assert all(f["result"] is None for f in feedback[:-1])
    result = feedback[-1]["result"]
    assert result["attempt"] == 1 and result["correct"] == len(questions) - 1
    assert [r["correct"] for r in result["results"]] == [False] + [True] * (len(questions) - 1)
    progress = client.get(f"/api/v1/persons/{person}/course", headers=bot).json()
    assert progress["modules"][0]["attempts"] == 1
    # A new round starts afresh: the first answer opens a new attempt in progress.
    again = _answer(client, bot, person, module.slug, questions[0].id, questions[0].answer)
    assert again.json()["answered"] == 1 and again.json()["correct"] is True


def test_the_first_answer_stands_and_a_whole_attempt_must_keep_it(client, actors, course) -> None:  # type: ignore[no-untyped-def]
    bot = consented_bot(client, actors, 7102)
    person = _person(client, bot)
    module = course.modules[1]
    first = module.questions[0]
    wrong = (first.answer + 1) % first.options
    assert _answer(client, bot, person, module.slug, first.id, wrong).json()["correct"] is False
    # Seeing the right option does not let the person change the answer.
    repeat = _answer(client, bot, person, module.slug, first.id, first.answer).json()
    assert repeat["chosen"] == wrong and repeat["correct"] is False and repeat["answered"] == 1
    assert repeat["already_answered"] is True
    key = [q.answer for q in module.questions]
    changed = attempt(client, bot, person, module.slug, key)
    assert changed.status_code == 409, changed.text
    assert changed.json()["reason"] == "answer-given"
    kept = attempt(client, bot, person, module.slug, [wrong, *key[1:]])
    assert kept.status_code == 201 and kept.json()["correct"] == len(key) - 1
    # The attempt in progress ended with the whole attempt.
    fresh = _answer(client, bot, person, module.slug, first.id, first.answer).json()
    assert fresh["answered"] == 1 and fresh["correct"] is True


def test_bad_answers_and_other_peoples_persons(client, actors, course) -> None:  # type: ignore[no-untyped-def]
    bot = consented_bot(client, actors, 7103)
    person = _person(client, bot)
    module = course.modules[0]
    q = module.questions[0]
    out_of_range = _answer(client, bot, person, module.slug, q.id, q.options)
    assert out_of_range.status_code == 422
    assert out_of_range.headers["content-type"] == "application/problem+json"
    assert _answer(client, bot, person, module.slug, q.id, "1").status_code == 422
    assert _answer(client, bot, person, module.slug, "q99", 0).status_code == 404
    assert _answer(client, bot, person, "no-such-module", q.id, 0).status_code == 404
    other = consented_bot(client, actors, 7104)
    assert _answer(client, other, person, module.slug, q.id, 0).status_code in (403, 404)
    assert _answer(client, actors["officer"], person, module.slug, q.id, 0).status_code == 403
