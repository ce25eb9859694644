"""The adaptation course and behaviour guide, read from plain files into immutable values.

The format is documented in content/adaptation_course/FORMAT.md. ``check`` reads everything
and returns every problem it finds (each naming a file); ``load`` refuses content with
problems; ``get_course`` loads once per process and directory.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeGuard

import yaml

from service.core import i18n
from service.course import render

COURSE_DIR_NAME = "adaptation_course"
DEFAULT_LANGUAGE = i18n.DEFAULT_LANGUAGE
REQUIRED_LANGUAGES = i18n.LANGUAGES
REVIEW_STATUSES = ("draft", "reviewed")
TELEGRAM_LIMIT = 4096
# A guide page is read on a phone, often in front of an officer: one short screen.
GUIDE_PAGE_LIMIT = 700
LESSON_WORDS = (300, 900)
QUESTIONS = (4, 6)
OPTIONS = (2, 5)

_COURSE_KEYS = {"id", "version", "pass_mark", "languages", "modules", "regimes"}
# The regimes of content/policy/regimes.yaml (a test keeps the two lists equal).
REGIMES = ("student", "eaeu_worker", "patent_worker", "visa_worker", "other")
_FACT_KEYS = {
    "id",
    "summary",
    "source",
    "source_date",
    "checked_on",
    "review_by",
    "status",
    "effective_on",
    "expires_on",
    "confidence",
}
# law: in force (or the current practice); the others are not law and may be marked only in a
# "changes being discussed" section of a lesson, never asked about in a quiz.
FACT_STATUSES = ("law", "bill", "draft", "proposal")
CONFIDENCE = ("high", "medium", "low")
# The heading of the section where bills, drafts and proposals may be mentioned.
DISCUSSED_HEADINGS = {
    "ru": "Изменения, которые обсуждаются",
    "en": "Changes under discussion",
    "uz": "Muhokama qilinayotgan oʻzgarishlar",
    "tg": "Тағйироте, ки муҳокима мешаванд",
    "ky": "Талкууланып жаткан өзгөрүүлөр",
    "kk": "Талқыланып жатқан өзгерістер",
}
# The word a lesson's closing line uses when no one recorded when its facts were checked.
UNKNOWN_WORDS = {
    "ru": "неизвестно",
    "en": "unknown",
    "uz": "nomaʼlum",
    "tg": "номаълум",
    "ky": "белгисиз",
    "kk": "белгісіз",
}
# Quizzes test what to do under the law in force: no questions about bills or drafts.
_BILL_WORDS = re.compile(
    r"\b(?:bills?|draft laws?|drafts?)\b|законопроект|проект[а-я]* закона", re.IGNORECASE
)
_QUESTION_KEYS = {"id", "options", "answer"}
_TEXT_KEYS = {"text", "options", "explanation"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REVIEWED_LINE = re.compile(r"^(?P<label>[^:\n]{1,80}):[ \t]*(?P<date>\S+)[ \t]*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)

# ------------------------------------------------------------------------------ values


@dataclass(frozen=True)
class Page:
    markdown: str
    html: str


@dataclass(frozen=True)
class Text:
    """A lesson or a guide section in one language."""

    title: str
    pages: tuple[Page, ...]
    # The earliest checked_on of the facts the text marks (None: unknown or no facts). The
    # closing line of the file must state it: never the day the file was written.
    last_reviewed: date | None


@dataclass(frozen=True)
class Question:
    id: str
    options: int
    answer: int


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
    status: str = "law"
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


# ------------------------------------------------------------------------- entry points


def course_dir(path: Path) -> Path:
    """The course directory given either it or the content directory that holds it."""
    return path if (path / "course.yaml").exists() else path / COURSE_DIR_NAME


def check(path: Path) -> tuple[Course | None, list[Problem]]:
    """Read the course at ``path`` (a course or content directory); every problem found."""
    reader = _Reader(course_dir(path))
    course = reader.read()
    return course, reader.problems


def load(path: Path) -> Course:
    course, problems = check(path)
    if problems or course is None:
        raise ContentError(problems)
    return course


_loading = threading.Lock()


def get_course(path: Path) -> Course:
    """The course, read and checked once per process. Under a lock: a burst of first
    requests would otherwise have every thread parse the whole course at once."""
    with _loading:
        return _cached_course(path)


@lru_cache(maxsize=4)
def _cached_course(path: Path) -> Course:
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


# ------------------------------------------------------------------------------- reader


@dataclass
class _Reader:
    root: Path
    problems: list[Problem] = field(default_factory=list)
    facts: dict[str, Fact] = field(default_factory=dict)

    def problem(self, file: Path, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(file=file, message=message, line=line))

    def read(self) -> Course | None:
        manifest_file = self.root / "course.yaml"
        if not self.root.is_dir():
            self.problem(self.root, "no such directory")
            return None
        manifest = self._yaml(manifest_file)
        if not isinstance(manifest, dict):
            if manifest is not None:
                self.problem(manifest_file, "must be a mapping (see FORMAT.md)")
            return None
        header = self._manifest(manifest_file, manifest)
        facts, fact_ids = self._facts()
        self.facts = facts
        languages: tuple[str, ...] = tuple(header["languages"])
        slugs: list[str] = header["modules"]
        guide_file = self.root / "guide" / "guide.yaml"
        sections = self._guide_order(guide_file)
        targets = {"fact": fact_ids, "module": set(slugs), "guide": set(sections)}
        modules = [
            self._module(slug, languages, targets, header["regimes"].get(slug)) for slug in slugs
        ]
        guide = [self._section(slug, languages, targets) for slug in sections]
        self._strays(slugs, sections)
        if self.problems:
            return None
        return Course(
            id=header["id"],
            version=header["version"],
            pass_mark=header["pass_mark"],
            languages=MappingProxyType(dict(header["languages"])),
            modules=tuple(m for m in modules if m is not None),
            guide=tuple(s for s in guide if s is not None),
            facts=MappingProxyType(facts),
        )

    # ---------------------------------------------------------------- files

    def _yaml(self, file: Path) -> Any:
        if not file.is_file():
            self.problem(file, "missing file")
            return None
        try:
            return yaml.safe_load(file.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            self.problem(file, "not UTF-8 text")
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            reason = getattr(exc, "problem", None) or "cannot be read"
            self.problem(file, f"invalid YAML: {reason}", mark.line + 1 if mark else None)
        return None

    def _text(self, file: Path) -> str | None:
        if not file.is_file():
            self.problem(file, "missing file")
            return None
        try:
            return file.read_text(encoding="utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError:
            self.problem(file, "not UTF-8 text")
            return None

    # ------------------------------------------------------------- manifest

    def _manifest(self, file: Path, data: dict[str, Any]) -> dict[str, Any]:
        for key in sorted(set(data) - _COURSE_KEYS, key=str):
            self.problem(file, f"unknown field {key!r}")
        out: dict[str, Any] = {"id": "", "version": 0, "pass_mark": 1.0}
        if not _nonempty_str(data.get("id")):
            self.problem(file, "id: must be a non-empty string")
        else:
            out["id"] = data["id"].strip()
        version = data.get("version")
        if not _is_int(version) or version < 1:
            self.problem(file, "version: must be a whole number, 1 or more")
        else:
            out["version"] = version
        mark = data.get("pass_mark")
        if not isinstance(mark, int | float) or isinstance(mark, bool) or not 0 < mark <= 1:
            self.problem(file, "pass_mark: must be a number greater than 0 and at most 1")
        else:
            out["pass_mark"] = float(mark)
        out["languages"] = self._languages(file, data.get("languages"))
        out["modules"] = self._slug_list(file, "modules", data.get("modules"))
        out["regimes"] = {}
        regimes = data.get("regimes") or {}
        if not isinstance(regimes, dict):
            self.problem(file, "regimes: must map module slugs to lists of regimes")
            regimes = {}
        for slug, listed in regimes.items():
            if slug not in out["modules"]:
                self.problem(file, f"regimes: {slug!r} is not a module of this course")
            elif (
                not isinstance(listed, list) or not listed or any(r not in REGIMES for r in listed)
            ):
                self.problem(file, f"regimes: {slug}: must list regimes among {', '.join(REGIMES)}")
            else:
                out["regimes"][slug] = frozenset(listed)
        return out

    def _languages(self, file: Path, value: Any) -> dict[str, str]:
        if not isinstance(value, dict) or not value:
            self.problem(file, "languages: must map language codes to draft or reviewed")
            return {lang: "draft" for lang in REQUIRED_LANGUAGES}
        languages: dict[str, str] = {}
        for lang, status in value.items():
            if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}", lang):
                self.problem(file, f"languages: {lang!r} is not a language code like 'uz'")
            elif status not in REVIEW_STATUSES:
                self.problem(file, f"languages: {lang}: review status must be draft or reviewed")
            else:
                languages[lang] = status
        for lang in REQUIRED_LANGUAGES:
            if lang not in value:
                self.problem(
                    file,
                    f"languages: {lang} is missing (required: all of "
                    f"{', '.join(REQUIRED_LANGUAGES)})",
                )
                languages.setdefault(lang, "draft")
        return languages

    def _slug_list(self, file: Path, name: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not value:
            self.problem(file, f"{name}: must be a non-empty list of slugs")
            return []
        seen: list[str] = []
        for item in value:
            if not render.is_slug(item):
                self.problem(file, f"{name}: {item!r} is not a slug (lower-case-words)")
            elif item in seen:
                self.problem(file, f"{name}: duplicate id {item!r}")
            else:
                seen.append(item)
        return seen

    def _guide_order(self, file: Path) -> list[str]:
        data = self._yaml(file)
        if data is None:
            return []
        if not isinstance(data, dict) or set(data) != {"sections"}:
            self.problem(file, "must be a mapping with one field, sections")
            return []
        return self._slug_list(file, "sections", data["sections"])

    def _strays(self, slugs: list[str], sections: list[str]) -> None:
        for kind, listed, where in (
            ("modules", slugs, "course.yaml"),
            ("guide", sections, "guide/guide.yaml"),
        ):
            folder = self.root / kind
            if folder.is_dir():
                for child in sorted(folder.iterdir()):
                    if child.is_dir() and child.name not in listed:
                        self.problem(child, f"directory is not listed in {where}")

    # ---------------------------------------------------------------- facts

    def _facts(self) -> tuple[dict[str, Fact], set[str]]:
        """Valid facts, and every id declared (links to an invalid fact are not broken)."""
        facts: dict[str, Fact] = {}
        declared: set[str] = set()
        where: dict[str, Path] = {}
        files = sorted((self.root / "facts").glob("*.yaml"))
        for file in files:
            data = self._yaml(file)
            if data is None:
                continue
            if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
                self.problem(file, "must be a mapping with a list under facts")
                continue
            for n, entry in enumerate(data["facts"], start=1):
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    declared.add(entry["id"])
                fact = self._fact(file, n, entry)
                if fact is None:
                    continue
                if fact.id in facts:
                    self.problem(
                        file, f"duplicate fact id {fact.id!r} (also in {where[fact.id].name})"
                    )
                    continue
                facts[fact.id] = fact
                where[fact.id] = file
        return facts, declared

    def _fact(self, file: Path, n: int, entry: Any) -> Fact | None:
        if not isinstance(entry, dict):
            self.problem(file, f"fact #{n}: must be a mapping")
            return None
        name = entry.get("id")
        label = f"fact {name!r}" if isinstance(name, str) else f"fact #{n}"
        before = len(self.problems)
        for key in sorted(set(entry) - _FACT_KEYS, key=str):
            self.problem(file, f"{label}: unknown field {key!r}")
        if not render.is_slug(name):
            self.problem(file, f"{label}: id must be a slug (lower-case-words)")
        for key in ("summary", "source"):
            if not _nonempty_str(entry.get(key)):
                self.problem(file, f"{label}: {key} is missing or empty")
        source_date = entry.get("source_date")
        if source_date != "undated" and _as_date(source_date) is None:
            self.problem(file, f"{label}: source_date must be a date (YYYY-MM-DD) or undated")
        raw_checked = entry.get("checked_on")
        checked = _as_date(raw_checked)
        if checked is None and raw_checked != "unknown":
            self.problem(
                file,
                f"{label}: checked_on must be the date someone read the source "
                "(YYYY-MM-DD), or unknown",
            )
        review_by = _as_date(entry.get("review_by"))
        if review_by is None:
            self.problem(file, f"{label}: review_by must be a date (YYYY-MM-DD)")
        if checked and review_by and review_by <= checked:
            self.problem(file, f"{label}: review_by must be after checked_on")
        status = entry.get("status")
        if status not in FACT_STATUSES:
            self.problem(file, f"{label}: status must be one of {', '.join(FACT_STATUSES)}")
        confidence = entry.get("confidence")
        if confidence is not None and confidence not in CONFIDENCE:
            self.problem(file, f"{label}: confidence must be one of {', '.join(CONFIDENCE)}")
        own: dict[str, date | None] = {}
        for key in ("effective_on", "expires_on"):
            own[key] = _as_date(entry.get(key))
            if entry.get(key) is not None and own[key] is None:
                self.problem(file, f"{label}: {key} must be a date (YYYY-MM-DD)")
        if len(self.problems) > before or review_by is None:
            return None
        return Fact(
            id=str(name),
            summary=entry["summary"].strip(),
            source=entry["source"].strip(),
            source_date=None if source_date == "undated" else _as_date(source_date),
            checked_on=checked,
            review_by=review_by,
            status=str(status),
            effective_on=own["effective_on"],
            expires_on=own["expires_on"],
            confidence=confidence,
        )

    # -------------------------------------------------------- lessons, guide

    def _module(
        self,
        slug: str,
        languages: tuple[str, ...],
        targets: dict[str, set[str]],
        regimes: frozenset[str] | None = None,
    ) -> Module | None:
        folder = self.root / "modules" / slug
        if not folder.is_dir():
            self.problem(folder, "module listed in course.yaml has no directory")
            return None
        before = len(self.problems)
        lessons = self._texts(folder, languages, targets, lesson=True)
        questions, declared = self._quiz(folder / "quiz.yaml")
        quiz = {
            lang: self._quiz_texts(folder / f"quiz.{lang}.yaml", declared) for lang in languages
        }
        self._stray_languages(folder, languages)
        self._longest_answers(folder, questions, quiz)
        if len(self.problems) > before:
            return None
        return Module(
            slug=slug,
            lessons=MappingProxyType(lessons),
            questions=questions,
            quiz=MappingProxyType({k: MappingProxyType(v) for k, v in quiz.items()}),
            regimes=regimes,
        )

    def _longest_answers(
        self,
        folder: Path,
        questions: tuple[Question, ...],
        quiz: dict[str, dict[str, QuestionText]],
    ) -> None:
        """A quiz whose right answer is the longest option in every question can be passed
        without reading the lesson: refused, language by language."""
        for lang, texts in quiz.items():
            if not questions or any(q.id not in texts for q in questions):
                continue
            longest = [
                len(texts[q.id].options[q.answer])
                > max(
                    (len(o) for n, o in enumerate(texts[q.id].options) if n != q.answer),
                    default=0,
                )
                for q in questions
                if q.answer < len(texts[q.id].options)
            ]
            if longest and all(longest):
                self.problem(
                    folder / f"quiz.{lang}.yaml",
                    "the right answer is the longest option in every question: make some "
                    "distractors as long as the answer",
                )

    def _section(
        self, slug: str, languages: tuple[str, ...], targets: dict[str, set[str]]
    ) -> GuideSection | None:
        folder = self.root / "guide" / slug
        if not folder.is_dir():
            self.problem(folder, "section listed in guide/guide.yaml has no directory")
            return None
        before = len(self.problems)
        texts = self._texts(folder, languages, targets, lesson=False)
        self._stray_languages(folder, languages)
        if len(self.problems) > before:
            return None
        return GuideSection(slug=slug, texts=MappingProxyType(texts))

    def _stray_languages(self, folder: Path, languages: tuple[str, ...]) -> None:
        for child in sorted(folder.iterdir()):
            m = re.fullmatch(r"(?:quiz\.)?([^.]+)\.(?:md|yaml)", child.name)
            known = child.name == "quiz.yaml" or (m is not None and m[1] in languages)
            if child.is_file() and not known:
                self.problem(child, "unexpected file (not a language of course.yaml)")

    def _texts(
        self,
        folder: Path,
        languages: tuple[str, ...],
        targets: dict[str, set[str]],
        *,
        lesson: bool,
    ) -> dict[str, Text]:
        texts: dict[str, Text] = {}
        marks: dict[str, list[Counter[str]]] = {}
        for lang in languages:
            file = folder / f"{lang}.md"
            parsed = self._markdown(file, targets, lesson=lesson)
            if parsed is not None:
                text, marks[lang] = parsed
                if text is not None:
                    texts[lang] = text
        reference = DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in marks else next(iter(marks), None)
        if reference is None:
            return texts
        ref_file = f"{reference}.md"
        for lang, pages in marks.items():
            if lang == reference:
                continue
            file = folder / f"{lang}.md"
            want = marks[reference]
            if len(pages) != len(want):
                self.problem(file, f"has {len(pages)} page(s) but {ref_file} has {len(want)}")
                continue
            for number, (have, ref) in enumerate(zip(pages, want, strict=True), start=1):
                if have != ref:
                    missing = sorted((ref - have).elements())
                    extra = sorted((have - ref).elements())
                    detail = "; ".join(
                        part
                        for part in (
                            f"missing {', '.join(missing)}" if missing else "",
                            f"not in {ref_file}: {', '.join(extra)}" if extra else "",
                        )
                        if part
                    )
                    self.problem(
                        file, f"page {number}: fact marks differ from {ref_file} ({detail})"
                    )
        return texts

    def _markdown(
        self, file: Path, targets: dict[str, set[str]], *, lesson: bool
    ) -> tuple[Text | None, list[Counter[str]]] | None:
        """The text (None if it has problems) and its fact marks page by page (None if the
        file cannot be read)."""
        source = self._text(file)
        if source is None:
            return None
        before = len(self.problems)
        title, body, offset = self._front_matter(file, source)
        for line, message in render.lint(body):
            self.problem(file, message, line + offset)
        found = render.links(body)
        for link in found:
            reason = render.link_problem(link)
            if reason is None and link.scheme in targets and link.ref not in targets[link.scheme]:
                reason = f"broken link: no {link.scheme} {link.ref!r}"
            if reason:
                self.problem(file, reason, link.line + offset)
        pages = render.split_pages(body)
        rendered: list[Page] = []
        for number, page in enumerate(pages, start=1):
            if not page.strip():
                self.problem(file, f"page {number} is empty")
            html = render.to_html(page)
            shown = len(html) + (len(_title_html(title)) if number == 1 else 0)
            if shown > TELEGRAM_LIMIT:
                self.problem(
                    file,
                    f"page {number} is {shown} characters after rendering "
                    f"(limit {TELEGRAM_LIMIT}); split it with <!-- page -->",
                )
            elif not lesson and len(html) > GUIDE_PAGE_LIMIT:
                self.problem(
                    file,
                    f"page {number} is {len(html)} characters after rendering "
                    f"(limit {GUIDE_PAGE_LIMIT} for a guide page); split it with <!-- page -->",
                )
            rendered.append(Page(markdown=page, html=html))
        has_facts = any(link.scheme == "fact" for link in found)
        last_reviewed = None
        if lesson or has_facts:
            last_reviewed = self._sources(file, body, offset, lesson=lesson, found=found)
            self._discussed_only(file, body, offset, found)
        if lesson:
            words = render.count_words(body)
            low, high = LESSON_WORDS
            if not low <= words <= high:
                self.problem(file, f"lesson has {words} words (must be {low}-{high})")
        marks = [
            Counter(link.ref for link in render.links(page) if link.scheme == "fact")
            for page in pages
        ]
        if len(self.problems) > before:
            return None, marks
        return Text(title=title, pages=tuple(rendered), last_reviewed=last_reviewed), marks

    def _front_matter(self, file: Path, source: str) -> tuple[str, str, int]:
        """(title, body, number of lines before the body)."""
        m = _FRONT_MATTER.match(source)
        if m is None:
            self.problem(file, "must start with front matter (---, title: ..., ---)", 1)
            return "", source, 0
        offset = m.group(0).count("\n")
        try:
            data = yaml.safe_load(m["yaml"])
        except yaml.YAMLError:
            self.problem(file, "front matter is not valid YAML", 2)
            return "", source[m.end() :], offset
        if not isinstance(data, dict) or not _nonempty_str(data.get("title")):
            self.problem(file, "front matter needs a non-empty title", 2)
            return "", source[m.end() :], offset
        for key in sorted(set(data) - {"title"}, key=str):
            self.problem(file, f"front matter holds title only, not {key!r}", 2)
        return str(data["title"]).strip(), source[m.end() :], offset

    def _discussed_only(self, file: Path, body: str, offset: int, found: list[render.Link]) -> None:
        """A bill, draft or proposal may be marked only under the 'changes being discussed'
        heading of the file's language."""
        wanted = DISCUSSED_HEADINGS.get(file.stem)
        lines = body.splitlines()
        for link in found:
            fact = self.facts.get(link.ref) if link.scheme == "fact" else None
            if fact is None or fact.status == "law":
                continue
            heading = next(
                (
                    lines[i][3:].strip()
                    for i in range(min(link.line, len(lines)) - 1, -1, -1)
                    if lines[i].startswith("## ")
                ),
                None,
            )
            if heading != wanted:
                self.problem(
                    file,
                    f"fact {fact.id} is a {fact.status}, not law: mention it only under "
                    f"'## {wanted}'",
                    link.line + offset,
                )

    def _sources(
        self, file: Path, body: str, offset: int, *, lesson: bool, found: list[render.Link]
    ) -> date | None:
        """The closing 'Last reviewed: ...' line, after a sources list: it must give the
        earliest checked_on of the facts marked, or the language's word for unknown."""
        lines = body.rstrip().splitlines()
        what = "a lesson" if lesson else "a guide section that states facts"
        m = _REVIEWED_LINE.match(lines[-1].strip()) if lines else None
        marked = [self.facts[x.ref] for x in found if x.scheme == "fact" and x.ref in self.facts]
        dates = [f.checked_on for f in marked]
        expected = min(dates) if dates and None not in dates else None  # type: ignore[type-var]
        unknown = UNKNOWN_WORDS.get(file.stem, "unknown")
        shown = expected.isoformat() if expected else unknown
        if m is None or m["date"] != shown:
            self.problem(
                file,
                f"{what} must end with a 'Last reviewed: {shown}' line (the label in the "
                "file's language): the earliest checked_on of the facts it marks, "
                f"or {unknown!r} when one is unknown",
                len(lines) + offset if lines else None,
            )
            return None
        reviewed = expected
        heading = max((i for i, line in enumerate(lines) if line.startswith("## ")), default=None)
        listed = heading is not None and any(
            re.match(r"\s*(?:[-*+]|\d+[.)])\s+\S", line) for line in lines[heading + 1 : -1]
        )
        if not listed:
            self.problem(
                file,
                f"{what} needs a sources section: a '## ' heading (e.g. Sources, in the "
                "file's language) with a list of laws and services, before the last line",
            )
        return reviewed

    # ---------------------------------------------------------------- quiz

    def _quiz(self, file: Path) -> tuple[tuple[Question, ...], dict[str, int | None]]:
        """Valid questions, and every id declared with its option count (None if invalid),
        so that the language files are compared with what the author meant."""
        data = self._yaml(file)
        if data is None:
            return (), {}
        if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
            self.problem(file, "must be a mapping with a list under questions")
            return (), {}
        items = data["questions"]
        low, high = QUESTIONS
        if not low <= len(items) <= high:
            self.problem(file, f"has {len(items)} questions (must be {low}-{high})")
        questions: list[Question] = []
        declared: dict[str, int | None] = {}
        for n, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                self.problem(file, f"question #{n}: must be a mapping")
                continue
            qid = item.get("id")
            label = f"question {qid!r}" if isinstance(qid, str) else f"question #{n}"
            for key in sorted(set(item) - _QUESTION_KEYS, key=str):
                self.problem(file, f"{label}: unknown field {key!r}")
            options, answer = item.get("options"), item.get("answer")
            if not isinstance(qid, str) or not re.fullmatch(r"[a-z0-9_-]{1,32}", qid):
                self.problem(file, f"{label}: id must be short lower-case text, like q1")
            elif qid in declared:
                self.problem(file, f"duplicate question id {qid!r}")
            elif not _is_int(options) or not OPTIONS[0] <= options <= OPTIONS[1]:
                declared[qid] = None
                self.problem(
                    file, f"{label}: options must be a number from {OPTIONS[0]} to {OPTIONS[1]}"
                )
            elif not _is_int(answer) or not 0 <= answer < options:
                declared[qid] = options
                self.problem(
                    file,
                    f"{label}: answer {answer!r} is out of range "
                    f"(zero-based index of one of {options} options)",
                )
            else:
                declared[qid] = options
                questions.append(Question(id=qid, options=options, answer=answer))
        return tuple(questions), declared

    def _quiz_texts(self, file: Path, declared: dict[str, int | None]) -> dict[str, QuestionText]:
        data = self._yaml(file)
        if data is None:
            return {}
        if not isinstance(data, dict) or not isinstance(data.get("questions"), dict):
            self.problem(file, "must be a mapping of question ids under questions")
            return {}
        texts: dict[str, QuestionText] = {}
        given = data["questions"]
        for qid, count in declared.items():
            if qid not in given:
                self.problem(file, f"question {qid!r} is missing")
                continue
            entry = given[qid]
            if not isinstance(entry, dict):
                self.problem(file, f"question {qid!r}: must be a mapping")
                continue
            for key in sorted(set(entry) - _TEXT_KEYS, key=str):
                self.problem(file, f"question {qid!r}: unknown field {key!r}")
            text, options, explanation = (entry.get(k) for k in ("text", "options", "explanation"))
            ok = True
            for key, value in (("text", text), ("explanation", explanation)):
                if not _nonempty_str(value):
                    self.problem(file, f"question {qid!r}: {key} is missing or empty")
                    ok = False
            if not isinstance(options, list) or not all(_nonempty_str(o) for o in options):
                self.problem(file, f"question {qid!r}: options must be a list of texts")
                ok = False
            elif count is not None and len(options) != count:
                self.problem(
                    file,
                    f"question {qid!r}: has {len(options)} options but quiz.yaml says {count}",
                )
                ok = False
            if ok and any(
                _BILL_WORDS.search(str(t)) for t in (text, explanation, *(options or ()))
            ):
                self.problem(
                    file,
                    f"question {qid!r} is about a bill or draft: quizzes test the law in force; "
                    "mention bills only in a lesson's changes-under-discussion section",
                )
                ok = False
            if ok:
                texts[qid] = QuestionText(
                    text=str(text).strip(),
                    options=tuple(str(o).strip() for o in options or ()),
                    explanation=str(explanation).strip(),
                )
        for qid in given:
            if qid not in declared:
                self.problem(file, f"question {qid!r} is not in quiz.yaml")
        return texts


def _title_html(title: str) -> str:
    """How the bot opens a lesson's first message: the title in bold, a blank line."""
    return f"<b>{render.to_html(title)}</b>\n\n"


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def iter_texts(course: Course) -> Iterator[tuple[str, str, Text]]:
    """(kind, slug, text) for every lesson and guide section in every language."""
    for module in course.modules:
        for text in module.lessons.values():
            yield "module", module.slug, text
    for section in course.guide:
        for text in section.texts.values():
            yield "guide", section.slug, text
