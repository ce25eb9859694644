"""The course's values: lessons, quizzes, facts and guide sections as read from the files
(immutable), and the problems ``onboard content check`` reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from service.core import i18n
from service.course import render
from service.course.schema import FactStatus

DEFAULT_LANGUAGE = i18n.DEFAULT_LANGUAGE

# ------------------------------------------------------------------------------ values


@dataclass(frozen=True)
class Part:
    """A run of a page: for everyone (regimes None) or only for the regimes listed."""

    markdown: str
    regimes: frozenset[str] | None = None


@dataclass(frozen=True)
class Page:
    markdown: str  # the whole page, regime markers included
    html: str  # the whole page for a reader of unknown regime: every block shown
    parts: tuple[Part, ...] = ()

    def for_regime(self, regime: str | None) -> Page | None:
        """The page as a reader of ``regime`` sees it (None: nothing of it is for them)."""
        if regime is None or all(p.regimes is None for p in self.parts):
            return self
        kept = [p.markdown for p in self.parts if p.regimes is None or regime in p.regimes]
        markdown = "\n\n".join(m for m in kept if m.strip()).strip("\n")
        if not markdown.strip():
            return None
        return Page(markdown=markdown, html=render.to_html(markdown))


@dataclass(frozen=True)
class Text:
    """A lesson or a guide section in one language."""

    title: str
    pages: tuple[Page, ...]
    # The earliest checked_on of the facts the text marks (None: unknown or no facts). The
    # closing line of the file must state it: never the day the file was written.
    last_reviewed: date | None

    def pages_for(self, regime: str | None) -> tuple[Page, ...]:
        """The pages a reader of ``regime`` is shown (sections for other regimes left out)."""
        if regime is None:
            return self.pages
        return tuple(p for p in (page.for_regime(regime) for page in self.pages) if p)


@dataclass(frozen=True)
class Question:
    id: str
    options: int
    answer: int
    regimes: frozenset[str] | None = None  # None: asked of everyone
    facts: tuple[str, ...] = ()  # the facts it tests (law only)

    def for_regime(self, regime: str | None) -> bool:
        return regime is None or self.regimes is None or regime in self.regimes


@dataclass(frozen=True)
class QuestionText:
    text: str
    options: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class Module:
    slug: str
    lessons: Mapping[str, Text]
    questions: tuple[Question, ...]
    quiz: Mapping[str, Mapping[str, QuestionText]]  # language → question id → texts
    regimes: frozenset[str] | None = None  # None: for everyone

    def for_regime(self, regime: str | None) -> bool:
        """Whether a person of this regime is taught the module (no regime: everyone is)."""
        return regime is None or self.regimes is None or regime in self.regimes

    def questions_for(self, regime: str | None) -> tuple[Question, ...]:
        """The questions asked of a person of ``regime`` (all of them for no regime), in the
        order of quiz.yaml: answers are scored against exactly these."""
        return tuple(q for q in self.questions if q.for_regime(regime))

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)


@dataclass(frozen=True)
class GuideSection:
    slug: str
    texts: Mapping[str, Text]


@dataclass(frozen=True)
class Fact:
    id: str
    summary: str
    source: str
    source_date: date | None  # None: the source is undated
    checked_on: date | None  # the day someone read the source; None: nobody recorded one
    review_by: date
    status: FactStatus = FactStatus.law
    effective_on: date | None = None  # the fact's own dates: past them it must be re-checked
    expires_on: date | None = None
    confidence: str | None = None


@dataclass(frozen=True)
class Course:
    id: str
    version: int
    pass_mark: float
    languages: Mapping[str, str]  # language → review status
    modules: tuple[Module, ...]
    guide: tuple[GuideSection, ...]
    facts: Mapping[str, Fact]

    def module(self, slug: str) -> Module | None:
        return next((m for m in self.modules if m.slug == slug), None)

    def modules_for(self, regime: str | None) -> tuple[Module, ...]:
        return tuple(m for m in self.modules if m.for_regime(regime))

    def guide_section(self, slug: str) -> GuideSection | None:
        return next((s for s in self.guide if s.slug == slug), None)

    def pick_language(self, requested: list[str]) -> tuple[str, bool]:
        """(language served, fell back?) for language tags in order of preference.

        No preference (or ``*``) gives Russian without a fallback; preferences none of which
        we have give Russian and say so.
        """
        return i18n.pick(requested, available=self.languages)


@dataclass(frozen=True)
class Problem:
    file: Path
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{_display(self.file)}:{self.line}" if self.line else _display(self.file)
        return f"{where}: {self.message}"


class ContentError(RuntimeError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:20])
        super().__init__(f"the course content has {len(problems)} problem(s):\n{shown}")


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
