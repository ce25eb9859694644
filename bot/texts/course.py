"""/course and /guide: lessons, quizzes and the guide's sections (quiz strings stay here)."""

from __future__ import annotations

import math
from typing import Any

from bot.api import (
    AnswerFeedback,
    AttemptResult,
    CourseProgress,
)
from bot.i18n import Text, _
from bot.texts.common import escape_html


def course_header(progress: CourseProgress | None, holder: str | None) -> str:
    lines = ["<b>" + _("Adaptation course") + "</b>"]
    if progress is not None and holder:
        lines.append(
            _("Progress of {name}: {passed} of {total} modules passed.").format(
                name=escape_html(holder),
                passed=progress.modules_passed,
                total=progress.modules_total,
            )
        )
        if progress.completed:
            lines.append(_("The course is completed."))
    else:
        lines.append(_("Register a card (/register) so that your quiz results are kept."))
    lines.append(_("Choose a module:"))
    return "\n".join(lines)


def page_footer(page: int, pages: int) -> str:
    return _("Page {page} of {pages}").format(page=page, pages=pages)


def quiz_question(title: str, index: int, total: int, text: str, options: list[str]) -> str:
    lines = [
        "<b>" + escape_html(title) + "</b>",
        _("Question {number} of {total}").format(number=index + 1, total=total),
        "",
        escape_html(text),
        "",
    ]
    lines += [f"{i + 1}. {escape_html(option)}" for i, option in enumerate(options)]
    return "\n".join(lines)


quiz_needs_card = Text("To take the quiz, register your card first: /register.")


def quiz_result(result: AttemptResult, questions: dict[str, dict[str, Any]] | None = None) -> str:
    verdict = (
        _("Passed!")
        if result.passed
        else _("Not passed yet: you need {need} right answers out of {total}.").format(
            need=math.ceil(result.pass_mark * result.questions - 1e-9), total=result.questions
        )
    )
    lines = [
        _("Result: {correct} of {total} right.").format(
            correct=result.correct, total=result.questions
        ),
        verdict,
        "",
    ]
    questions = questions or {}
    for number, item in enumerate(result.results, start=1):
        question = questions.get(item.id)
        if question is None:  # (an older quiz in progress) as before: the explanation only
            lines.append(
                ("✅" if item.correct else "❌") + f" {number}. {escape_html(item.explanation)}"
            )
            continue
        # Each question in full with its right answer; why, for the ones missed.
        mark = "✅" if item.correct else "❌"
        lines.append(f"{mark} {number}. {escape_html(question['text'])}")
        options = question["options"]
        if item.answer is not None and 0 <= item.answer < len(options):
            lines.append(_right_answer(options[item.answer]))
        if not item.correct:
            lines.append("<i>" + escape_html(item.explanation) + "</i>")
    return "\n".join(lines)


def _right_answer(option: str) -> str:
    return _("Right answer: {answer}").format(answer=f"<b>{escape_html(option)}</b>")


def quiz_feedback(feedback: AnswerFeedback, options: list[str]) -> str:
    """Right or not, the right option (``options`` in the authored order) and why."""
    lines = ["✅ " + _("Right!") if feedback.correct else "❌ " + _("Not right.")]
    if feedback.already_answered:
        lines.append(_("You answered this question before; your first answer counts."))
    if not feedback.correct and 0 <= feedback.answer < len(options):
        lines.append(_right_answer(options[feedback.answer]))
    lines.append("<i>" + escape_html(feedback.explanation) + "</i>")
    return "\n".join(lines)


course_completed = Text(
    "Congratulations! You have completed the adaptation course. "
    "Your QR code now shows it to officers."
)

glossary_title = Text("Words to know")


def glossary_button() -> str:
    return "📖 " + _("Words to know")


def guide_header() -> str:
    return "<b>" + _("Guide to rules of behaviour") + "</b>\n" + _("Choose a section:")
