"""Scoring rules, called directly (no HTTP): shares, the pass mark, and what counts as bad input."""

from __future__ import annotations

import pytest

from service.core.errors import InvalidInput
from service.course.content import Module, Question
from service.course.service import score_answers

MODULE = Module(
    slug="m",
    lessons={},
    questions=tuple(Question(id=f"q{i}", options=3, answer=i % 3) for i in range(4)),
    quiz={},
)


@pytest.mark.parametrize(
    ("answers", "score", "passed"),
    [
        ([0, 1, 2, 0], 1.0, True),
        ([0, 1, 2, 1], 0.75, True),  # exactly the pass mark passes
        ([0, 1, 0, 1], 0.5, False),
        ([2, 2, 0, 1], 0.0, False),
    ],
)
def test_score_is_the_share_of_right_answers(answers, score, passed) -> None:
    result = score_answers(module=MODULE, answers=answers, pass_mark=0.75)
    assert (result.score, result.passed) == (score, passed)
    assert result.right == tuple(a == i % 3 for i, a in enumerate(answers))


@pytest.mark.parametrize(
    ("answers", "field"),
    [([0, 1, 2], "answers"), ([0, 1, 2, 0, 1], "answers"), ([0, 3, 2, 0], "answers.1")],
)
def test_bad_answers_name_the_field(answers, field) -> None:
    with pytest.raises(InvalidInput) as caught:
        score_answers(module=MODULE, answers=answers, pass_mark=0.75)
    assert caught.value.extra["errors"][0]["field"] == field
