"""The course engine: scoring quiz attempts, progress, completion and effectiveness figures.

Progress belongs to a person, not a card. Attempts are scored here, never by the client.
Progress towards completing the course counts attempts at the current course version;
completions of earlier versions are kept and still count as the course being completed.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.cards import service as cards
from service.cards.models import Card, Person
from service.checklist import service as checklist
from service.checklist.policy import Policy
from service.core import clock
from service.core.errors import Conflict, NotFound, field_error
from service.course.content import Course, Module, Question, Text
from service.course.models import (
    AnswerFeedback,
    AttemptResult,
    CourseAnswer,
    CourseAttempt,
    CourseCompletion,
    CourseOutline,
    CourseProgress,
    GuideContent,
    GuideOutline,
    GuideSummary,
    LanguageOut,
    ModuleContent,
    ModuleProgress,
    ModuleSummary,
    PageOut,
    QuestionOut,
    QuestionResult,
    completion_out,
)
from service.webhooks import outbox
from service.webhooks.models import EventType

# ------------------------------------------------------------------------------ scoring


@dataclass(frozen=True)
class Score:
    correct: int
    questions: int
    score: float
    passed: bool
    right: tuple[bool, ...]  # per question, in the order served
    asked: tuple[Question, ...] = ()  # the questions scored, in the order served


def served_questions(
    module: Module, regime: str | None, answers: int | None = None
) -> tuple[Question, ...]:
    """The questions a person of ``regime`` is asked. A client that was served the whole quiz
    (it asked without a card) and answers every question is scored on the whole quiz."""
    asked = module.questions_for(regime)
    if answers is not None and answers != len(asked) and answers == len(module.questions):
        return module.questions
    return asked


def score_answers(
    *, module: Module, answers: list[int], pass_mark: float, regime: str | None = None
) -> Score:
    """Score chosen option indices (one per question served to ``regime``, in served order)
    against the key."""
    questions = served_questions(module, regime, len(answers))
    if len(answers) != len(questions):
        raise field_error(
            "answers", f"give {len(questions)} answers, one per question (got {len(answers)})"
        )
    for i, (chosen, question) in enumerate(zip(answers, questions, strict=True)):
        if not 0 <= chosen < question.options:
            raise field_error(
                f"answers.{i}", f"must be an option index from 0 to {question.options - 1}"
            )
    right = tuple(a == q.answer for a, q in zip(answers, questions, strict=True))
    correct = sum(right)
    share = Fraction(correct, len(questions))
    return Score(
        correct=correct,
        questions=len(questions),
        score=round(float(share), 4),
        passed=share >= Fraction(str(pass_mark)),
        right=right,
        asked=questions,
    )


# ------------------------------------------------------------------------------ attempts


@dataclass(frozen=True)
class Recorded:
    attempt: CourseAttempt
    number: int  # this person's attempts at this module (this version), this one included
    score: Score
    completion: CourseCompletion | None  # the latest completion, if any


def module_or_404(course: Course, slug: str) -> Module:
    module = course.module(slug)
    if module is None:
        raise NotFound("no course module with this slug")
    return module


def record_attempt(
    *,
    session: Session,
    course: Course,
    person_id: uuid.UUID,
    slug: str,
    answers: list[int],
    language: str,
    regime: str | None = None,
) -> Recorded:
    """Score and store an attempt; passing the last module completes the course."""
    # A module outside the person's regime is still scored and kept (a client that does not
    # filter by card shows every module); it is just not needed for completion.
    module = module_or_404(course, slug)
    _lock_person(session=session, person_id=person_id)
    score = score_answers(module=module, answers=answers, pass_mark=course.pass_mark, regime=regime)
    _keep_given_answers(
        session=session,
        person_id=person_id,
        module=module,
        version=course.version,
        score=score,
        answers=answers,
    )
    attempt = CourseAttempt(
        person_id=person_id,
        module=module.slug,
        course_version=course.version,
        language=language,
        answers=list(answers),
        correct=score.correct,
        questions=score.questions,
        score=score.score,
        passed=score.passed,
    )
    session.add(attempt)
    session.flush()
    number = session.exec(
        select(func.count())
        .select_from(CourseAttempt)
        .where(
            CourseAttempt.person_id == person_id,
            CourseAttempt.module == module.slug,
            CourseAttempt.course_version == course.version,
        )
    ).one()
    if score.passed:
        _complete_if_done(session=session, course=course, person_id=person_id, regime=regime)
    return Recorded(
        attempt=attempt,
        number=int(number),
        score=score,
        completion=latest_completion(session=session, person_id=person_id),
    )


def _answers_in_progress(
    *, session: Session, person_id: uuid.UUID, module: str, version: int
) -> dict[str, CourseAnswer]:
    rows = session.exec(
        select(CourseAnswer).where(
            CourseAnswer.person_id == person_id,
            CourseAnswer.module == module,
            CourseAnswer.course_version == version,
        )
    ).all()
    return {row.question_id: row for row in rows}


def _keep_given_answers(
    *,
    session: Session,
    person_id: uuid.UUID,
    module: Module,
    version: int,
    score: Score,
    answers: list[int],
) -> None:
    """An answer already checked one at a time (its right option shown) cannot change in
    the whole attempt; the attempt in progress ends with it."""
    given = _answers_in_progress(
        session=session, person_id=person_id, module=module.slug, version=version
    )
    for question, chosen in zip(score.asked, answers, strict=True):
        row = given.get(question.id)
        if row is not None and row.chosen != chosen:
            raise Conflict(
                f"question {question.id!r} was already answered with option {row.chosen}, "
                "and its answer shown; the attempt must keep that answer",
                reason="answer-given",
            )
    for row in given.values():
        session.delete(row)


@dataclass(frozen=True)
class Answered:
    question: Question
    chosen: int
    repeated: bool  # answered before: the first answer stands
    answered: int  # questions of the attempt in progress answered, this one included
    questions: int  # questions served
    recorded: Recorded | None  # the scored attempt, when this was the last answer


@dataclass(frozen=True)
class QuizFor:
    """Whose quiz, of which course, in which language."""

    course: Course
    person_id: uuid.UUID
    language: str
    fallback: bool


def answer_question(
    *, session: Session, policy: Policy, quiz: QuizFor, slug: str, question_id: str, chosen: int
) -> AnswerFeedback:
    """Check one answer of the quiz served to the person (by their regime) and keep it; the
    feedback says whether it is right, the right option and why, and after the last answer
    carries the scored attempt."""
    regime = person_regime(session=session, policy=policy, person_id=quiz.person_id)
    answered = _record_answer(
        session=session,
        course=quiz.course,
        person_id=quiz.person_id,
        slug=slug,
        question_id=question_id,
        chosen=chosen,
        language=quiz.language,
        regime=regime,
    )
    return _feedback(quiz=quiz, slug=slug, answered=answered)


def _record_answer(
    *,
    session: Session,
    course: Course,
    person_id: uuid.UUID,
    slug: str,
    question_id: str,
    chosen: int,
    language: str,
    regime: str | None,
) -> Answered:
    """Record one answer of the attempt in progress (the first answer to a question stands);
    the last one scores and records the attempt."""
    module = module_or_404(course, slug)
    asked = module.questions_for(regime)
    question = next((q for q in asked if q.id == question_id), None)
    if question is None:
        raise NotFound("no such question in the quiz served to this person")
    if not 0 <= chosen < question.options:
        raise field_error("chosen", f"must be an option index from 0 to {question.options - 1}")
    _lock_person(session=session, person_id=person_id)
    given = _answers_in_progress(
        session=session, person_id=person_id, module=module.slug, version=course.version
    )
    row = given.get(question.id)
    repeated = row is not None
    if row is None:
        row = CourseAnswer(
            person_id=person_id,
            module=module.slug,
            course_version=course.version,
            question_id=question.id,
            chosen=chosen,
        )
        session.add(row)
        session.flush()
        given[question.id] = row
    recorded = None
    if all(q.id in given for q in asked):
        recorded = record_attempt(
            session=session,
            course=course,
            person_id=person_id,
            slug=module.slug,
            answers=[given[q.id].chosen for q in asked],
            language=language,
            regime=regime,
        )
    return Answered(question, row.chosen, repeated, len(given), len(asked), recorded)


def _feedback(*, quiz: QuizFor, slug: str, answered: Answered) -> AnswerFeedback:
    course, language, fallback = quiz.course, quiz.language, quiz.fallback
    module = module_or_404(course, slug)
    question = answered.question
    return AnswerFeedback(
        **served(course, language, fallback),
        module=module.slug,
        question=question.id,
        chosen=answered.chosen,
        already_answered=answered.repeated,
        correct=answered.chosen == question.answer,
        answer=question.answer,
        explanation=module.quiz[language][question.id].explanation,
        answered=answered.answered,
        questions=answered.questions,
        result=attempt_result(course=course, recorded=answered.recorded, fallback=fallback)
        if answered.recorded
        else None,
    )


def _lock_person(*, session: Session, person_id: uuid.UUID) -> None:
    """The person must exist; their row is locked so that two attempts finishing the course
    at the same moment cannot each miss the other's pass (SQLite serialises writers)."""
    found = session.exec(select(Person.id).where(Person.id == person_id).with_for_update()).first()
    if found is None:
        raise NotFound("no person with this id")


def _passed_modules(*, session: Session, person_id: uuid.UUID, version: int) -> set[str]:
    rows = session.exec(
        select(CourseAttempt.module)
        .where(
            CourseAttempt.person_id == person_id,
            CourseAttempt.course_version == version,
            col(CourseAttempt.passed).is_(True),
        )
        .distinct()
    ).all()
    return set(rows)


def _complete_if_done(
    *, session: Session, course: Course, person_id: uuid.UUID, regime: str | None = None
) -> None:
    """Complete the course once every module taught to the person's regime is passed."""
    passed = _passed_modules(session=session, person_id=person_id, version=course.version)
    if not {m.slug for m in course.modules_for(regime)} <= passed:
        return
    existing = session.exec(
        select(CourseCompletion).where(
            CourseCompletion.person_id == person_id,
            CourseCompletion.course_version == course.version,
        )
    ).first()
    if existing is not None:
        return
    try:
        with session.begin_nested():
            session.add(CourseCompletion(person_id=person_id, course_version=course.version))
            session.flush()
            outbox.emit(
                session,
                EventType.course_completed,
                {
                    "person_id": str(person_id),
                    "course_id": course.id,
                    "course_version": course.version,
                    "at": clock.now().isoformat(),
                },
            )
    except IntegrityError:  # completed by a concurrent request: that row stands
        pass


# ------------------------------------------------------------------------------ progress


def completions(*, session: Session, person_id: uuid.UUID) -> list[CourseCompletion]:
    """Every completion of the person, oldest version first."""
    return list(
        session.exec(
            select(CourseCompletion)
            .where(CourseCompletion.person_id == person_id)
            .order_by(col(CourseCompletion.course_version))
        ).all()
    )


def latest_completion(*, session: Session, person_id: uuid.UUID) -> CourseCompletion | None:
    done = completions(session=session, person_id=person_id)
    return done[-1] if done else None


def completion_date(*, session: Session, person_id: uuid.UUID) -> date | None:
    """The (Moscow) date of the person's latest course completion, for proofs; or None."""
    done = latest_completion(session=session, person_id=person_id)
    return done.completed_at.astimezone(clock.LEGAL_ZONE).date() if done else None


@dataclass(frozen=True)
class Progress:
    modules: list[ModuleProgress]
    completions: list[CourseCompletion]

    @property
    def modules_passed(self) -> int:
        return sum(1 for m in self.modules if m.passed)


def progress(
    *, session: Session, course: Course, person_id: uuid.UUID, regime: str | None = None
) -> Progress:
    """Per module of the current version taught to the person's regime: attempts, best
    score, first pass; completions."""
    if session.get(Person, person_id) is None:
        raise NotFound("no person with this id")
    attempts = session.exec(
        select(CourseAttempt)
        .where(
            CourseAttempt.person_id == person_id,
            CourseAttempt.course_version == course.version,
        )
        .order_by(col(CourseAttempt.created_at), col(CourseAttempt.id))
    ).all()
    by_module: dict[str, list[CourseAttempt]] = defaultdict(list)
    for a in attempts:
        by_module[a.module].append(a)
    modules = []
    for module in course.modules_for(regime):
        mine = by_module.get(module.slug, [])
        first_pass = next((a.created_at for a in mine if a.passed), None)
        modules.append(
            ModuleProgress(
                slug=module.slug,
                attempts=len(mine),
                best_score=max((a.score for a in mine), default=None),
                passed=first_pass is not None,
                passed_at=first_pass,
                last_attempt_at=_last(mine),
            )
        )
    return Progress(modules=modules, completions=completions(session=session, person_id=person_id))


def _last(attempts: list[CourseAttempt]) -> datetime | None:
    return attempts[-1].created_at if attempts else None


# ---------------------------------------------------------------------------- statistics


# ------------------------------------------------------------------------ content, shaped


def served(course: Course, language: str, fallback: bool) -> dict[str, object]:
    return {
        "language": language,
        "fallback": fallback,
        "review_status": course.languages[language],
    }


def outline(
    *, course: Course, language: str, fallback: bool, regime: str | None = None
) -> CourseOutline:
    """The outline; with a regime, only the modules taught to it (positions renumbered)."""
    return CourseOutline(
        regime=regime,
        **served(course, language, fallback),
        id=course.id,
        version=course.version,
        pass_mark=course.pass_mark,
        languages=[LanguageOut(code=k, review_status=v) for k, v in course.languages.items()],
        modules=[
            ModuleSummary(
                slug=m.slug,
                position=n,
                title=m.lessons[language].title,
                pages=len(m.lessons[language].pages_for(regime)),
                questions=len(m.questions_for(regime)),
            )
            for n, m in enumerate(course.modules_for(regime), start=1)
        ],
    )


def module_content(
    *, course: Course, slug: str, language: str, fallback: bool, regime: str | None = None
) -> ModuleContent:
    """A lesson's pages and its questions, without the right answers; with a regime, a
    module not taught to it is not found."""
    module = module_or_404(course, slug)
    if not module.for_regime(regime):
        raise NotFound(f"the module {slug!r} is not part of the course for {regime}")
    lesson = module.lessons[language]
    texts = module.quiz[language]
    return ModuleContent(
        **served(course, language, fallback),
        course_version=course.version,
        slug=module.slug,
        position=course.modules_for(regime).index(module) + 1,
        title=lesson.title,
        last_reviewed=lesson.last_reviewed,
        pass_mark=course.pass_mark,
        pages=_pages(lesson, regime),
        questions=[
            QuestionOut(id=q.id, text=texts[q.id].text, options=list(texts[q.id].options))
            for q in module.questions_for(regime)
        ],
    )


def guide_outline(*, course: Course, language: str, fallback: bool) -> GuideOutline:
    return GuideOutline(
        **served(course, language, fallback),
        sections=[
            GuideSummary(
                slug=s.slug, title=s.texts[language].title, pages=len(s.texts[language].pages)
            )
            for s in course.guide
        ],
    )


def guide_content(*, course: Course, slug: str, language: str, fallback: bool) -> GuideContent:
    section = course.guide_section(slug)
    if section is None:
        raise NotFound("no guide section with this slug")
    text = section.texts[language]
    return GuideContent(
        **served(course, language, fallback),
        slug=section.slug,
        title=text.title,
        last_reviewed=text.last_reviewed,
        pages=_pages(text),
    )


def _pages(text: Text, regime: str | None = None) -> list[PageOut]:
    """The pages for ``regime`` (sections for other regimes left out; no regime: all shown)."""
    return [
        PageOut(number=n, html=p.html, markdown=p.markdown)
        for n, p in enumerate(text.pages_for(regime), start=1)
    ]


def attempt_result(*, course: Course, recorded: Recorded, fallback: bool) -> AttemptResult:
    attempt, score = recorded.attempt, recorded.score
    module = module_or_404(course, attempt.module)
    texts = module.quiz[attempt.language]
    return AttemptResult(
        **served(course, attempt.language, fallback),
        attempt=recorded.number,
        module=module.slug,
        course_version=attempt.course_version,
        correct=score.correct,
        questions=score.questions,
        score=score.score,
        pass_mark=course.pass_mark,
        passed=score.passed,
        results=[
            QuestionResult(
                id=q.id,
                chosen=chosen,
                correct=right,
                answer=q.answer,
                explanation=texts[q.id].explanation,
            )
            for q, chosen, right in zip(score.asked, attempt.answers, score.right, strict=True)
        ],
        course_completed=recorded.completion is not None,
        completion=completion_out(recorded.completion) if recorded.completion else None,
    )


def progress_out(*, course: Course, person_id: uuid.UUID, progress: Progress) -> CourseProgress:
    """Counts the modules listed in `progress` (those of the person's regime)."""
    done = [completion_out(c) for c in progress.completions]
    return CourseProgress(
        person_id=person_id,
        course_id=course.id,
        course_version=course.version,
        modules=progress.modules,
        modules_passed=progress.modules_passed,
        modules_total=len(progress.modules),
        completed=bool(done),
        completion=done[-1] if done else None,
        completions=done,
    )


def progress_of(
    *, session: Session, course: Course, policy: Policy, person_id: uuid.UUID
) -> CourseProgress:
    """The person's progress in the modules taught to their regime (from their latest card;
    the whole course without a card)."""
    regime = person_regime(session=session, policy=policy, person_id=person_id)
    found = progress(session=session, course=course, person_id=person_id, regime=regime)
    return progress_out(course=course, person_id=person_id, progress=found)


def person_regime(*, session: Session, policy: Policy, person_id: uuid.UUID) -> str | None:
    """The regime of the person's latest card (None without a card: the whole course)."""
    card = session.exec(
        select(Card).where(Card.person_id == person_id).order_by(col(Card.created_at).desc())
    ).first()
    if card is None:
        return None
    person = session.get(Person, person_id)
    assert person is not None
    return checklist.regime_of(policy=policy, card=card, person=person)


def card_regime(*, session: Session, policy: Policy, card_id: uuid.UUID) -> str:
    card = cards.get_card(session=session, card_id=card_id)
    person = cards.get_person(session=session, person_id=card.person_id)
    return checklist.regime_of(policy=policy, card=card, person=person)
