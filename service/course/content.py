"""The adaptation course and behaviour guide, read from plain files into immutable values.

The format is documented in content/adaptation_course/FORMAT.md; the shape of each YAML file is
a pydantic model in ``schema``, the reading and the checks across files are in ``reader``, the
values in ``values``. ``check`` reads everything and returns every problem it finds (each
naming a file); ``load`` refuses content with problems; ``get_course`` loads once per process
and directory (the app reads it at start, so requests only look it up).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path

from service.course.reader import PAGE_LIMIT, TELEGRAM_LIMIT, Reader
from service.course.schema import (
    OPTIONS,
    QUESTIONS,
    REGIMES,
    REQUIRED_LANGUAGES,
    FactStatus,
    ReviewStatus,
)
from service.course.values import (
    DEFAULT_LANGUAGE,
    ContentError,
    Course,
    Fact,
    GuideSection,
    Module,
    Page,
    Problem,
    Question,
    QuestionText,
    Text,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "OPTIONS",
    "PAGE_LIMIT",
    "QUESTIONS",
    "REGIMES",
    "REQUIRED_LANGUAGES",
    "TELEGRAM_LIMIT",
    "ContentError",
    "Course",
    "Fact",
    "FactStatus",
    "GuideSection",
    "Module",
    "Page",
    "Problem",
    "Question",
    "QuestionText",
    "ReviewStatus",
    "Text",
]

COURSE_DIR_NAME = "adaptation_course"

# ------------------------------------------------------------------------- entry points


def course_dir(path: Path) -> Path:
    """The course directory given either it or the content directory that holds it."""
    return path if (path / "course.yaml").exists() else path / COURSE_DIR_NAME


def check(path: Path) -> tuple[Course | None, list[Problem]]:
    """Read the course at ``path`` (a course or content directory); every problem found."""
    reader = Reader(course_dir(path))
    course = reader.read()
    return course, reader.problems


def load(path: Path) -> Course:
    course, problems = check(path)
    if problems or course is None:
        raise ContentError(problems)
    return course


@lru_cache(maxsize=4)
def get_course(path: Path) -> Course:
    """The course, read and checked once per process and directory. The app reads it at
    start (service.main), so a request only looks it up: no lock on the way."""
    return load(path)


def stale_facts(course: Course, today: date) -> list[str]:
    """Facts past their own effective or expiry date without a re-check since: each a
    problem for `onboard content check` (not for loading, so the service still starts)."""
    out = []
    for fact in sorted(course.facts.values(), key=lambda f: f.id):
        for name, when in (("effective_on", fact.effective_on), ("expires_on", fact.expires_on)):
            if when is None or when > today:
                continue
            if fact.checked_on is None or fact.checked_on < when:
                checked = fact.checked_on.isoformat() if fact.checked_on else "never recorded"
                out.append(
                    f"fact {fact.id}: its {name} {when} has passed and it was last checked "
                    f"{checked}; read the source again and set checked_on, or rewrite it"
                )
    return out


def facts_due(course: Course, today: date) -> list[Fact]:
    """Facts whose review date has passed (a warning for editors, not a content error)."""
    return sorted((f for f in course.facts.values() if f.review_by < today), key=lambda f: f.id)


def iter_texts(course: Course) -> Iterator[tuple[str, str, Text]]:
    """(kind, slug, text) for every lesson and guide section in every language."""
    for module in course.modules:
        for text in module.lessons.values():
            yield "module", module.slug, text
    for section in course.guide:
        for text in section.texts.values():
            yield "guide", section.slug, text
