"""HTTP routes for the adaptation course, the behaviour guide and course statistics.

Texts come in the language of ``?lang=``, else of ``Accept-Language``, else Russian; a
language we do not have gives Russian with ``fallback: true``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Protocol, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Response, status
from sqlmodel import Session

from service.accounts.access import Action, Owner, Principal
from service.api import ownership
from service.api.deps import (
    Authorize,
    CourseDep,
    LanguageDep,
    PolicyDep,
    SettingsDep,
    UnitOfWork,
)
from service.checklist.policy import Policy
from service.core.problems import PROBLEM_RESPONSES
from service.course import service as course_service
from service.course import snapshot
from service.course.models import (
    AnswerFeedback,
    AnswerIn,
    AttemptIn,
    AttemptResult,
    CourseOutline,
    CourseProgress,
    CourseStats,
    GuideContent,
    GuideOutline,
    ModuleContent,
)

router = APIRouter(prefix="/api/v1", tags=["course"], responses=PROBLEM_RESPONSES)

Slug = Annotated[str, Path(max_length=64)]
CardId = Annotated[
    uuid.UUID | None,
    Query(description="A card: only the modules taught to its holder's regime are served"),
]


def _vary(response: Response, language: str) -> None:
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"


class _Localised(Protocol):
    language: str


L = TypeVar("L", bound=_Localised)


class _Reading:
    """What a route serving the course's or guide's texts works with: a unit of work for a
    reader of the course, the response, the course and the languages the request asks for."""

    def __init__(
        self,
        uow: Annotated[UnitOfWork, Authorize(Action.course_read)],
        response: Response,
        course: CourseDep,
        wanted: LanguageDep,
    ) -> None:
        self.uow, self.response, self.course, self.wanted = uow, response, course, wanted

    async def serve(self, build: Callable[[Session, Principal, str, bool], L]) -> L:
        """Run ``build(session, principal, language, fallback)`` in the language negotiated
        for the request, and say which language the answer is in (it varies with
        Accept-Language)."""

        def work(session: Session, principal: Principal) -> L:
            language, fallback = self.course.pick_language(self.wanted)
            return build(session, principal, language, fallback)

        result = await self.uow.run(work)
        _vary(self.response, result.language)
        return result


ReadingDep = Annotated[_Reading, Depends()]


def _regime(
    session: Session, principal: Principal, policy: Policy, card_id: uuid.UUID | None
) -> str | None:
    """The regime of the card asked about (its holder's modules), or None: every module."""
    if card_id is None:
        return None
    ownership.require_card(session=session, principal=principal, card_id=card_id)
    return course_service.card_regime(session=session, policy=policy, card_id=card_id)


@router.get("/course", response_model=CourseOutline)
async def get_course(
    reading: ReadingDep,
    policy: PolicyDep,
    card_id: CardId = None,
) -> CourseOutline:
    """The course outline: version, pass mark, languages and module titles; with `card_id`,
    the modules for that card's regime (EAEU workers are not taught patents)."""
    return await reading.serve(
        lambda s, p, language, fallback: course_service.outline(
            course=reading.course, language=language, fallback=fallback,
            regime=_regime(s, p, policy, card_id),
        ),
    )  # fmt: skip


@router.get("/course/modules/{slug}", response_model=ModuleContent)
async def get_module(
    slug: Slug,
    reading: ReadingDep,
    policy: PolicyDep,
    card_id: CardId = None,
) -> ModuleContent:
    """A lesson's pages (HTML for Telegram, and Markdown) and its quiz, without answers;
    with `card_id`, 404 for a module not taught to that card's regime."""
    return await reading.serve(
        lambda s, p, language, fallback: course_service.module_content(
            course=reading.course, slug=slug, language=language, fallback=fallback,
            regime=_regime(s, p, policy, card_id),
        ),
    )  # fmt: skip


@router.post(
    "/persons/{person_id}/course/modules/{slug}/attempts",
    status_code=status.HTTP_201_CREATED,
    response_model=AttemptResult,
)
async def create_attempt(
    person_id: uuid.UUID,
    slug: Slug,
    body: AttemptIn,
    uow: Annotated[UnitOfWork, Authorize(Action.course_attempt, Owner.person)],
    course: CourseDep,
    wanted: LanguageDep,
    policy: PolicyDep,
) -> AttemptResult:
    """Score a quiz attempt on the server and record it; returns the score and explanations."""

    def work(session: Session, principal: Principal) -> AttemptResult:
        language, fallback = course.pick_language(wanted)
        recorded = course_service.record_attempt(
            session=session,
            course=course,
            person_id=person_id,
            slug=slug,
            answers=body.answers,
            language=language,
            regime=course_service.person_regime(
                session=session, policy=policy, person_id=person_id
            ),
        )
        return course_service.attempt_result(course=course, recorded=recorded, fallback=fallback)

    return await uow.run(work)


@router.post(
    "/persons/{person_id}/course/modules/{slug}/questions/{question_id}/answer",
    response_model=AnswerFeedback,
)
async def answer_question(
    person_id: uuid.UUID,
    slug: Slug,
    question_id: Annotated[str, Path(max_length=32)],
    body: AnswerIn,
    uow: Annotated[UnitOfWork, Authorize(Action.course_attempt, Owner.person)],
    course: CourseDep,
    wanted: LanguageDep,
    policy: PolicyDep,
) -> AnswerFeedback:
    """Answer one question of the quiz served to the person (by their latest card's regime)
    and learn at once whether it is right, the right option and why. The first answer to a
    question is kept (asking again repeats its feedback) and a whole attempt must agree with
    it, so the feedback cannot be used to pick answers; the last answer scores and records
    the attempt (`result`)."""

    language, fallback = course.pick_language(wanted)
    return await uow.call(
        course_service.answer_question,
        policy=policy,
        quiz=course_service.QuizFor(course, person_id, language, fallback),
        slug=slug,
        question_id=question_id,
        chosen=body.chosen,
    )


@router.get("/persons/{person_id}/course", response_model=CourseProgress)
async def get_progress(
    person_id: uuid.UUID,
    uow: Annotated[UnitOfWork, Authorize(Action.course_progress, Owner.person)],
    course: CourseDep,
    policy: PolicyDep,
) -> CourseProgress:
    """A person's progress: attempts and passes per module taught to their regime (from
    their latest card), and course completions."""

    return await uow.call(
        course_service.progress_of, course=course, policy=policy, person_id=person_id
    )


@router.get("/guide", response_model=GuideOutline)
async def get_guide(
    reading: ReadingDep,
) -> GuideOutline:
    """The behaviour guide's sections (no course needed)."""
    return await reading.serve(
        lambda s, p, language, fallback: course_service.guide_outline(
            course=reading.course, language=language, fallback=fallback
        ),
    )  # fmt: skip


@router.get("/guide/{slug}", response_model=GuideContent)
async def get_guide_section(
    slug: Slug,
    reading: ReadingDep,
) -> GuideContent:
    """One section of the behaviour guide."""
    return await reading.serve(
        lambda s, p, language, fallback: course_service.guide_content(
            course=reading.course, slug=slug, language=language, fallback=fallback
        ),
    )  # fmt: skip


@router.get("/stats/course", response_model=CourseStats)
async def get_course_stats(
    uow: Annotated[UnitOfWork, Authorize(Action.stats_read)],
    course: CourseDep,
    settings: SettingsDep,
    version: Annotated[
        int | None, Query(ge=1, le=1_000_000, description="Course version (default: current)")
    ] = None,
) -> CourseStats:
    """Per module, language and citizenship: started, passed, pass rate, mean score; cells
    with fewer people than the configured minimum are left out. The figures are as of
    ``as_of``: refreshed when attempts were added, at most every few minutes."""

    return await uow.call(
        snapshot.course_stats,
        course=course,
        version=version or course.version,
        min_cell=settings.stats_min_cell,
        refresh_seconds=settings.stats_refresh_seconds,
    )
