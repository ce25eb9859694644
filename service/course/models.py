"""Tables for course progress, and the public shapes of the course API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, StrictInt
from pydantic import Field as PField
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.core import clock
from service.core.bodies import Input
from service.core.types import UTCDateTime

# ---------------------------------------------------------------------------- tables


class CourseAttempt(SQLModel, table=True):
    """One quiz attempt, scored on the server. Kept forever: retries are part of the record."""

    __tablename__ = "course_attempt"
    __table_args__ = (
        Index("ix_course_attempt_person_module", "person_id", "module"),
        Index("ix_course_attempt_version_module", "course_version", "module"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id")
    module: str = Field(max_length=64)
    course_version: int
    language: str = Field(max_length=8)
    answers: list[int] = Field(sa_column=Column(JSON, nullable=False))
    correct: int
    questions: int
    score: float
    passed: bool
    created_at: datetime = Field(
        default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False)
    )


class CourseAnswer(SQLModel, table=True):
    """An answer checked on its own, part of the attempt in progress: once given it cannot be
    changed, and the attempt is scored from these when the last question is answered."""

    __tablename__ = "course_answer"
    __table_args__ = (
        UniqueConstraint(
            "person_id", "module", "course_version", "question_id", name="uq_course_answer"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id")
    module: str = Field(max_length=64)
    course_version: int
    question_id: str = Field(max_length=32)
    chosen: int
    answered_at: datetime = Field(
        default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False)
    )


class CourseCompletion(SQLModel, table=True):
    """A person completed a version of the course. Never removed by a later version."""

    __tablename__ = "course_completion"
    __table_args__ = (
        UniqueConstraint("person_id", "course_version", name="uq_course_completion_person"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id")
    course_version: int
    completed_at: datetime = Field(
        default_factory=clock.now, sa_column=Column(UTCDateTime(), nullable=False)
    )


class CourseStatsSnapshot(SQLModel, table=True):
    """The figures behind /stats/course for one course version, every cell (small ones too:
    the minimum cell is applied when answering), as of ``computed_at``. ``max_attempt_id`` is
    the highest course_attempt.id there was when they were computed: when it is still the
    highest, the snapshot is exact (service/course/snapshot.py)."""

    __tablename__ = "course_stats_snapshot"

    course_version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    max_attempt_id: int
    cells: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    computed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


# ------------------------------------------------------------------------ content out


class Served(BaseModel):
    """Which language a text is in, and whether it is not the one asked for."""

    language: str = PField(description="Language served (ru, en, uz, tg, ky, kk)")
    fallback: bool = PField(
        description="True when the language asked for is not available and Russian is served"
    )
    review_status: str = PField(
        description="draft: not yet checked by a native speaker; reviewed: checked"
    )


class LanguageOut(BaseModel):
    code: str
    review_status: str


class ModuleSummary(BaseModel):
    slug: str
    position: int = PField(description="1-based place in the course")
    title: str
    pages: int
    questions: int


class CourseOutline(Served):
    id: str
    version: int
    pass_mark: float = PField(description="Share of right answers needed to pass a module quiz")
    languages: list[LanguageOut]
    # The regime the modules were chosen for (from the card asked about), or None: all.
    regime: str | None = None
    modules: list[ModuleSummary]


class PageOut(BaseModel):
    number: int
    html: str = PField(description="Telegram-safe HTML, at most 700 characters (one short screen)")
    markdown: str = PField(description="The page as written (the course's Markdown dialect)")


class QuestionOut(BaseModel):
    """A question as served: the right answer is never included."""

    id: str
    text: str
    options: list[str]


class ModuleContent(Served):
    course_version: int
    slug: str
    position: int
    title: str
    last_reviewed: date | None
    pass_mark: float
    pages: list[PageOut]
    questions: list[QuestionOut] = PField(
        description="Answer with the index of the chosen option for each, in this order"
    )


class GuideSummary(BaseModel):
    slug: str
    title: str
    pages: int


class GuideOutline(Served):
    sections: list[GuideSummary]


class GuideContent(Served):
    slug: str
    title: str
    last_reviewed: date | None
    pages: list[PageOut]


# --------------------------------------------------------------------- attempts, progress


class AttemptIn(Input):
    answers: list[StrictInt] = PField(
        max_length=50,
        description="For each question, in the order served, the zero-based index of the "
        "chosen option",
    )


class QuestionResult(BaseModel):
    id: str
    chosen: int
    correct: bool
    answer: int = PField(description="The right option (0-based), shown once the quiz is scored")
    explanation: str


class AnswerIn(Input):
    chosen: StrictInt = PField(ge=0, le=49, description="The chosen option (0-based)")


class AnswerFeedback(Served):
    """Whether one answer is right, the right option and why, given as soon as it is
    answered. The answer is kept: answering again gives the same feedback for the first
    answer, and a whole attempt for this module must agree with it."""

    module: str
    question: str = PField(description="The question's id")
    chosen: int = PField(description="The option recorded for this question (0-based)")
    already_answered: bool = PField(
        description="True when the question had been answered before in this attempt: the "
        "first answer counts, and `chosen` is that one"
    )
    correct: bool
    answer: int = PField(description="The right option (0-based)")
    explanation: str
    answered: int = PField(description="Questions of the attempt in progress answered so far")
    questions: int = PField(description="Questions in the quiz served to this person")
    result: AttemptResult | None = PField(
        default=None,
        description="The scored attempt, when this answer was the last one",
    )


class CompletionOut(BaseModel):
    course_version: int
    completed_at: datetime
    completed_on: date = PField(description="The date of completion in Moscow")


class AttemptResult(Served):
    attempt: int = PField(description="How many attempts this person has made at this module")
    module: str
    course_version: int
    correct: int
    questions: int
    score: float = PField(description="Share of right answers, 0 to 1")
    pass_mark: float
    passed: bool
    results: list[QuestionResult]
    course_completed: bool = PField(description="Whether the person has completed the course")
    completion: CompletionOut | None


class ModuleProgress(BaseModel):
    slug: str
    attempts: int
    best_score: float | None
    passed: bool
    passed_at: datetime | None = PField(description="First passing attempt")
    last_attempt_at: datetime | None


class CourseProgress(BaseModel):
    person_id: uuid.UUID
    course_id: str
    course_version: int = PField(description="The current version; progress counts attempts at it")
    modules: list[ModuleProgress]
    modules_passed: int
    modules_total: int
    completed: bool = PField(description="Completed some version of the course")
    completion: CompletionOut | None = PField(description="The latest completion")
    completions: list[CompletionOut]


# -------------------------------------------------------------------------- statistics


class StatsCell(BaseModel):
    module: str
    language: str
    citizenship: str = PField(description="ISO 3166-1 alpha-3")
    started: int = PField(description="People with at least one attempt")
    passed: int = PField(description="People who passed at least once")
    pass_rate: float = PField(description="passed / started")
    mean_score: float = PField(description="Mean score of all attempts in the cell, 0 to 1")
    attempts: int


class CourseStats(BaseModel):
    course_id: str
    course_version: int
    min_cell: int = PField(description="Cells with fewer people than this are not shown")
    suppressed_cells: int
    cells: list[StatsCell]
    as_of: datetime | None = PField(
        default=None,
        description="When these figures were computed; attempts recorded since may not be "
        "counted yet (the figures are refreshed every few minutes)",
    )


def completion_out(row: CourseCompletion) -> CompletionOut:
    return CompletionOut(
        course_version=row.course_version,
        completed_at=row.completed_at,
        completed_on=row.completed_at.astimezone(clock.LEGAL_ZONE).date(),
    )


AnswerFeedback.model_rebuild()
