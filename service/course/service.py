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

from sqlalchemy import ColumnElement, case, distinct, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.cards.models import Person
from service.core import clock
from service.core.errors import NotFound, field_error
from service.course.content import Course, Module
from service.course.models import (
    CourseAttempt,
    CourseCompletion,
    ModuleProgress,
    StatsCell,
)

# ------------------------------------------------------------------------------ scoring


@dataclass(frozen=True)
class Score:
    correct: int
    questions: int
    score: float
    passed: bool
    right: tuple[bool, ...]  # per question, in the order served


def score_answers(*, module: Module, answers: list[int], pass_mark: float) -> Score:
    """Score chosen option indices (one per question, in served order) against the key."""
    questions = module.questions
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
) -> Recorded:
    """Score and store an attempt; passing the last module completes the course."""
    module = module_or_404(course, slug)
    _lock_person(session=session, person_id=person_id)
    score = score_answers(module=module, answers=answers, pass_mark=course.pass_mark)
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
        _complete_if_done(session=session, course=course, person_id=person_id)
    return Recorded(
        attempt=attempt,
        number=int(number),
        score=score,
        completion=latest_completion(session=session, person_id=person_id),
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


def _complete_if_done(*, session: Session, course: Course, person_id: uuid.UUID) -> None:
    passed = _passed_modules(session=session, person_id=person_id, version=course.version)
    if not {m.slug for m in course.modules} <= passed:
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


def progress(*, session: Session, course: Course, person_id: uuid.UUID) -> Progress:
    """Per module of the current version: attempts, best score, first pass; completions."""
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
    for module in course.modules:
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


@dataclass(frozen=True)
class Stats:
    cells: list[StatsCell]
    suppressed: int


def course_stats(*, session: Session, version: int, min_cell: int) -> Stats:
    """Per module, language and citizenship: people who started and passed, pass rate and
    mean score. Cells of fewer than ``min_cell`` people are left out (only counted)."""
    started = func.count(distinct(CourseAttempt.person_id))
    rows = session.exec(
        select(  # type: ignore[call-overload]
            CourseAttempt.module,
            CourseAttempt.language,
            Person.citizenship,
            started,
            func.count(distinct(_passed_person())),
            func.avg(CourseAttempt.score),
            func.count(),
        )
        .join(Person, col(Person.id) == col(CourseAttempt.person_id))
        .where(CourseAttempt.course_version == version)
        .group_by(col(CourseAttempt.module), col(CourseAttempt.language), col(Person.citizenship))
        .order_by(col(CourseAttempt.module), col(CourseAttempt.language), col(Person.citizenship))
    ).all()
    cells: list[StatsCell] = []
    suppressed = 0
    for module, language, citizenship, people, passed, mean, attempts in rows:
        if people < min_cell:
            suppressed += 1
            continue
        cells.append(
            StatsCell(
                module=module,
                language=language,
                citizenship=citizenship,
                started=people,
                passed=passed,
                pass_rate=round(passed / people, 4),
                mean_score=round(float(mean), 4),
                attempts=attempts,
            )
        )
    return Stats(cells=cells, suppressed=suppressed)


def _passed_person() -> ColumnElement[uuid.UUID | None]:
    return case((col(CourseAttempt.passed).is_(True), col(CourseAttempt.person_id)), else_=None)
