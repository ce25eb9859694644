"""Reading the course's files: each YAML file against its model (``schema``), the Markdown
against the dialect (``render``), and the checks across files (links, languages, fact marks,
regime blocks, sources line, repeated questions). Every problem names its file."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from service.course import render, schema
from service.course.schema import OPTIONS, REGIMES, FactStatus
from service.course.values import (
    DEFAULT_LANGUAGE,
    Course,
    Fact,
    GuideSection,
    Module,
    Page,
    Part,
    Problem,
    Question,
    QuestionText,
    Text,
)

TELEGRAM_LIMIT = 4096
# A lesson or guide page is read on a cheap phone (a guide page often in front of an
# officer): one short screen, counted as the bot shows it.
PAGE_LIMIT = 700
LESSON_WORDS = (300, 900)
# A quiz served to any one regime keeps at least this many questions.
MIN_SERVED_QUESTIONS = 3
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
_REVIEWED_LINE = re.compile(r"^(?P<label>[^:\n]{1,80}):[ \t]*(?P<date>\S+)[ \t]*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_M = TypeVar("_M", bound=BaseModel)
# A page's fact marks and its regime blocks (each as its regimes, in order).
_Marks = tuple[Counter[str], tuple[str, ...]]

# ------------------------------------------------------------------------------- reader


@dataclass
class Reader:
    root: Path
    problems: list[Problem] = field(default_factory=list)
    facts: dict[str, Fact] = field(default_factory=dict)

    def problem(self, file: Path, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(file=file, message=message, line=line))

    def read(self) -> Course | None:
        if not self.root.is_dir():
            self.problem(self.root, "no such directory")
            return None
        manifest_file = self.root / "course.yaml"
        manifest = self._model(manifest_file, schema.Manifest, self._yaml(manifest_file))
        self.facts, fact_ids = self._facts()
        guide_file = self.root / "guide" / "guide.yaml"
        order = self._model(guide_file, schema.GuideOrder, self._yaml(guide_file))
        sections = order.sections if order else []
        if manifest is None:
            return None
        languages = tuple(manifest.languages)
        targets = {"fact": fact_ids, "module": set(manifest.modules), "guide": set(sections)}
        modules = [
            self._module(slug, languages, targets, manifest.regimes.get(slug))
            for slug in manifest.modules
        ]
        guide = [self._section(slug, languages, targets) for slug in sections]
        self._strays(manifest.modules, sections)
        self._repeated_questions(m for m in modules if m is not None)
        if self.problems:
            return None
        return Course(
            id=manifest.id,
            version=manifest.version,
            pass_mark=manifest.pass_mark,
            languages=MappingProxyType({k: str(v) for k, v in manifest.languages.items()}),
            modules=tuple(m for m in modules if m is not None),
            guide=tuple(s for s in guide if s is not None),
            facts=MappingProxyType(self.facts),
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

    def _model(self, file: Path, model: type[_M], data: Any, label: str = "") -> _M | None:
        """``data`` validated by ``model``, or None with one problem per error (each prefixed
        with ``label``, e.g. "fact 'x': "). None data: the file was missing or unreadable."""
        if data is None and not label:
            if not any(p.file == file for p in self.problems):  # read, but empty
                self.problem(file, "is empty (see FORMAT.md)")
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for message in schema.messages(exc):
                self.problem(file, f"{label}{message}")
            return None

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
        for file in sorted((self.root / "facts").glob("*.yaml")):
            listing = self._model(file, schema.FactsFile, self._yaml(file))
            for n, entry in enumerate(listing.facts if listing else [], start=1):
                name = entry.get("id") if isinstance(entry, dict) else None
                if isinstance(name, str):
                    declared.add(name)
                label = f"fact {name!r}: " if isinstance(name, str) else f"fact #{n}: "
                fact = self._model(file, schema.FactIn, entry, label)
                if fact is None:
                    continue
                if fact.id in facts:
                    self.problem(
                        file, f"duplicate fact id {fact.id!r} (also in {where[fact.id].name})"
                    )
                    continue
                facts[fact.id] = Fact(**fact.model_dump())
                where[fact.id] = file
        return facts, declared

    # -------------------------------------------------------- lessons, guide

    def _module(
        self,
        slug: str,
        languages: tuple[str, ...],
        targets: dict[str, set[str]],
        regimes: list[str] | None = None,
    ) -> Module | None:
        before = len(self.problems)
        found = self._folder_texts(
            "modules", slug, "module listed in course.yaml", languages, targets, lesson=True
        )
        if found is None:
            return None
        folder, lessons = found
        questions, declared = self._quiz(folder / "quiz.yaml")
        quiz = {
            lang: self._quiz_texts(folder / f"quiz.{lang}.yaml", declared) for lang in languages
        }
        self._longest_answers(folder, questions, quiz)
        self._served_quizzes(folder / "quiz.yaml", questions, regimes)
        if len(self.problems) > before:
            return None
        return Module(
            slug=slug,
            lessons=MappingProxyType(lessons),
            questions=questions,
            quiz=MappingProxyType({k: MappingProxyType(v) for k, v in quiz.items()}),
            regimes=frozenset(regimes) if regimes else None,
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
            if all(_longest(texts[q.id].options, q.answer) for q in questions):
                self.problem(
                    folder / f"quiz.{lang}.yaml",
                    "the right answer is the longest option in every question: make some "
                    "distractors as long as the answer",
                )

    def _served_quizzes(
        self, file: Path, questions: tuple[Question, ...], regimes: list[str] | None
    ) -> None:
        """Every regime taught the module is asked enough questions."""
        if not questions:
            return
        for regime in regimes or REGIMES:
            served = [q for q in questions if q.for_regime(regime)]
            if len(served) < MIN_SERVED_QUESTIONS:
                self.problem(
                    file,
                    f"only {len(served)} question(s) are asked of {regime} "
                    f"(at least {MIN_SERVED_QUESTIONS}): give fewer questions regimes",
                )

    def _repeated_questions(self, modules: Iterator[Module]) -> None:
        """The same question (per language, case, spaces and punctuation aside) in two
        modules teaches nothing new the second time: refused."""
        seen: dict[tuple[str, str], str] = {}
        for module in modules:
            for lang, texts in module.quiz.items():
                for qid, text in texts.items():
                    key = (lang, _normalised(text.text))
                    first = seen.setdefault(key, f"{module.slug}/{qid}")
                    if first != f"{module.slug}/{qid}":
                        self.problem(
                            self.root / "modules" / module.slug / f"quiz.{lang}.yaml",
                            f"question {qid!r} repeats question {first} word for word: "
                            "ask something new or drop one",
                        )

    def _section(
        self, slug: str, languages: tuple[str, ...], targets: dict[str, set[str]]
    ) -> GuideSection | None:
        before = len(self.problems)
        found = self._folder_texts(
            "guide", slug, "section listed in guide/guide.yaml", languages, targets, lesson=False
        )
        if found is None or len(self.problems) > before:
            return None
        return GuideSection(slug=slug, texts=MappingProxyType(found[1]))

    def _folder_texts(
        self,
        kind: str,
        slug: str,
        what: str,
        languages: tuple[str, ...],
        targets: dict[str, set[str]],
        *,
        lesson: bool,
    ) -> tuple[Path, dict[str, Text]] | None:
        """A module's or guide section's folder and its text in each language (no folder:
        None); a file in no language of the course is a problem."""
        folder = self.root / kind / slug
        if not folder.is_dir():
            self.problem(folder, f"{what} has no directory")
            return None
        texts = self._texts(folder, languages, targets, lesson=lesson)
        self._stray_languages(folder, languages)
        return folder, texts

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
        marks: dict[str, list[_Marks]] = {}
        for lang in languages:
            file = folder / f"{lang}.md"
            parsed = self._markdown(file, targets, lesson=lesson)
            if parsed is not None:
                text, marks[lang] = parsed
                if text is not None:
                    texts[lang] = text
        reference = DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in marks else next(iter(marks), None)
        if reference is not None:
            for lang, pages in marks.items():
                if lang != reference:
                    self._same_marks(
                        folder / f"{lang}.md", pages, f"{reference}.md", marks[reference]
                    )
        return texts

    def _same_marks(
        self, file: Path, pages: list[_Marks], ref_file: str, want: list[_Marks]
    ) -> None:
        """The translation has the reference's pages and, page by page, its fact marks and
        its regime blocks (for the same regimes, in the same order)."""
        if len(pages) != len(want):
            self.problem(file, f"has {len(pages)} page(s) but {ref_file} has {len(want)}")
            return
        for number, ((have, blocks), (ref, ref_blocks)) in enumerate(
            zip(pages, want, strict=True), start=1
        ):
            if blocks != ref_blocks:
                self.problem(
                    file,
                    f"page {number}: regime blocks differ from {ref_file} "
                    f"({'; '.join(blocks) or 'none'} here, "
                    f"{'; '.join(ref_blocks) or 'none'} there)",
                )
            if have == ref:
                continue
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
            self.problem(file, f"page {number}: fact marks differ from {ref_file} ({detail})")

    def _markdown(
        self, file: Path, targets: dict[str, set[str]], *, lesson: bool
    ) -> tuple[Text | None, list[_Marks]] | None:
        """The text (None if it has problems) and its fact marks page by page (None if the
        file cannot be read)."""
        source = self._text(file)
        if source is None:
            return None
        before = len(self.problems)
        title, body, offset = self._front_matter(file, source)
        for line, message in render.lint(body):
            self.problem(file, message, line + offset)
        for line, message in render.regime_problems(body, REGIMES):
            self.problem(file, message, line + offset)
        found = self._links(file, body, offset, targets)
        pages = render.split_pages(body)
        rendered = self._pages(file, title, pages)
        last_reviewed = None
        if lesson or any(link.scheme == "fact" for link in found):
            last_reviewed = self._sources(file, body, offset, lesson=lesson, found=found)
            self._discussed_only(file, body, offset, found)
        if lesson:
            words = render.count_words(body)
            low, high = LESSON_WORDS
            if not low <= words <= high:
                self.problem(file, f"lesson has {words} words (must be {low}-{high})")
        marks = [
            (
                Counter(link.ref for link in render.links(page) if link.scheme == "fact"),
                tuple(
                    ", ".join(sorted(regimes))
                    for regimes, _ in render.regime_blocks(page)
                    if regimes is not None
                ),
            )
            for page in pages
        ]
        if len(self.problems) > before:
            return None, marks
        return Text(title=title, pages=tuple(rendered), last_reviewed=last_reviewed), marks

    def _links(
        self, file: Path, body: str, offset: int, targets: dict[str, set[str]]
    ) -> list[render.Link]:
        found = render.links(body)
        for link in found:
            reason = render.link_problem(link)
            if reason is None and link.scheme in targets and link.ref not in targets[link.scheme]:
                reason = f"broken link: no {link.scheme} {link.ref!r}"
            if reason:
                self.problem(file, reason, link.line + offset)
        return found

    def _pages(self, file: Path, title: str, pages: list[str]) -> list[Page]:
        """The pages rendered, each checked against one short screen (``PAGE_LIMIT``); the
        first counts with the title the bot puts above it."""
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
            elif shown > PAGE_LIMIT:
                self.problem(
                    file,
                    f"page {number} is {shown} characters after rendering (limit {PAGE_LIMIT}, "
                    "one short screen; the first page counts with its title); "
                    "split it between paragraphs with <!-- page -->",
                )
            parts = tuple(Part(markdown=m, regimes=r) for r, m in render.regime_blocks(page))
            rendered.append(Page(markdown=page, html=html, parts=parts))
        return rendered

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
        try:
            front = schema.FrontMatter.model_validate(data)
        except ValidationError as exc:
            for message in schema.messages(exc):
                self.problem(file, f"front matter: {message}", 2)
            return "", source[m.end() :], offset
        return front.title, source[m.end() :], offset

    def _discussed_only(self, file: Path, body: str, offset: int, found: list[render.Link]) -> None:
        """A bill, draft or proposal may be marked only under the 'changes being discussed'
        heading of the file's language."""
        wanted = DISCUSSED_HEADINGS.get(file.stem)
        lines = body.splitlines()
        for link in found:
            fact = self.facts.get(link.ref) if link.scheme == "fact" else None
            if fact is None or fact.status == FactStatus.law:
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
        return expected

    # ---------------------------------------------------------------- quiz

    def _quiz(self, file: Path) -> tuple[tuple[Question, ...], dict[str, int | None]]:
        """Valid questions, and every id declared with its option count (None if invalid),
        so that the language files are compared with what the author meant."""
        key = self._model(file, schema.QuizKey, self._yaml(file))
        questions: list[Question] = []
        declared: dict[str, int | None] = {}
        for n, item in enumerate(key.questions if key else [], start=1):
            qid = item.get("id") if isinstance(item, dict) else None
            label = f"question {qid!r}: " if isinstance(qid, str) else f"question #{n}: "
            if isinstance(qid, str) and qid in declared:
                self.problem(file, f"duplicate question id {qid!r}")
                continue
            options = item.get("options") if isinstance(item, dict) else None
            if isinstance(qid, str):
                declared[qid] = (
                    options if schema.OPTIONS[0] <= _int(options) <= OPTIONS[1] else None
                )
            parsed = self._model(file, schema.QuestionKey, item, label)
            if parsed is not None:
                questions.append(self._question(file, parsed, label))
        return tuple(questions), declared

    def _question(self, file: Path, key: schema.QuestionKey, label: str) -> Question:
        for fid in key.facts:
            fact = self.facts.get(fid)
            if fact is None:
                self.problem(file, f"{label}facts: no fact {fid!r}")
            elif fact.status != FactStatus.law:
                self.problem(
                    file,
                    f"{label}tests fact {fid}, a {fact.status}: quizzes test the law in force, "
                    "never bills, drafts or proposals",
                )
        return Question(
            id=key.id,
            options=key.options,
            answer=key.answer,
            regimes=frozenset(key.regimes) if key.regimes else None,
            facts=tuple(key.facts),
        )

    def _quiz_texts(self, file: Path, declared: dict[str, int | None]) -> dict[str, QuestionText]:
        listing = self._model(file, schema.QuizTexts, self._yaml(file))
        if listing is None:
            return {}
        texts: dict[str, QuestionText] = {}
        given = listing.questions
        for qid, count in declared.items():
            if qid not in given:
                self.problem(file, f"question {qid!r} is missing")
                continue
            entry = self._model(file, schema.QuestionTexts, given[qid], f"question {qid!r}: ")
            if entry is None:
                continue
            if count is not None and len(entry.options) != count:
                self.problem(
                    file,
                    f"question {qid!r}: has {len(entry.options)} options "
                    f"but quiz.yaml says {count}",
                )
                continue
            texts[qid] = QuestionText(
                text=entry.text, options=tuple(entry.options), explanation=entry.explanation
            )
        for qid in given:
            if qid not in declared:
                self.problem(file, f"question {qid!r} is not in quiz.yaml")
        return texts


def _longest(options: tuple[str, ...], answer: int) -> bool:
    """Whether the right option is strictly longer than every other."""
    if answer >= len(options):
        return False
    others = [len(o) for n, o in enumerate(options) if n != answer]
    return len(options[answer]) > max(others, default=0)


def _normalised(text: str) -> str:
    """A question's words for comparison: case, punctuation and spacing aside."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _title_html(title: str) -> str:
    """How the bot opens a lesson's first message: the title in bold, a blank line."""
    return f"<b>{render.to_html(title)}</b>\n\n"
