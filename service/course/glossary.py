"""The course glossary: one word for each thing, in every language of the course.

``content/adaptation_course/glossary.yaml`` names the terms a newcomer meets (MVD, MFC, the
tear-off slip, a "positive" test result...), each with a one-line plain definition and the
words to ``avoid`` for it. ``onboard content check`` runs :func:`check`: a lesson, a quiz, a
guide page or a policy text (``content/policy/obligations.yaml``) that uses an avoided word
is a problem. ``GET /api/v1/glossary?lang=`` serves the glossary in one language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import yaml
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from service.api.deps import LanguageDep, SettingsDep, public
from service.core import i18n
from service.core.problems import PROBLEM_RESPONSES
from service.course import content
from service.course.content import Problem

GLOSSARY_FILE = "glossary.yaml"
POLICY_TEXTS = "obligations.yaml"
# A policy text line: a language key and its text (title, how_to...), as obligations.yaml has.
_POLICY_TEXT = re.compile(r"^\s*(?P<lang>[a-z]{2}):\s*(?P<text>\S.*)$")


class Entry(BaseModel):
    """A term in one language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    term: str = Field(min_length=1, max_length=80)
    definition: str = Field(min_length=1, max_length=240)
    avoid: tuple[str, ...] = ()

    @field_validator("term", "definition")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value or value != value.strip():
            raise ValueError("must be one line without surrounding spaces")
        return value

    @field_validator("avoid")
    @classmethod
    def _words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for word in value:
            if not word.strip() or word != word.strip() or "\n" in word:
                raise ValueError("avoid words must be non-empty single lines")
        return value


class Term(BaseModel):
    """One thing, named in every language of the course."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)
    ru: Entry
    en: Entry
    uz: Entry
    tg: Entry
    ky: Entry
    kk: Entry

    def entry(self, language: str) -> Entry:
        entry: Entry = getattr(self, language)
        return entry


class Glossary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: tuple[Term, ...] = Field(min_length=1)

    @field_validator("terms")
    @classmethod
    def _unique(cls, value: tuple[Term, ...]) -> tuple[Term, ...]:
        ids = [term.id for term in value]
        doubled = sorted({i for i in ids if ids.count(i) > 1})
        if doubled:
            raise ValueError(f"term ids must be unique: {', '.join(doubled)}")
        return value


class GlossaryError(ValueError):
    """The glossary file cannot be read or does not follow the format."""


def glossary_file(path: Path) -> Path:
    """The glossary of the course at ``path`` (a course or content directory)."""
    return content.course_dir(path) / GLOSSARY_FILE


def load(path: Path) -> Glossary:
    """The glossary of the course at ``path``; GlossaryError says what is wrong."""
    file = glossary_file(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        return Glossary.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise GlossaryError(f"cannot be read: {exc}") from exc
    except ValidationError as exc:
        where = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}"
            for err in exc.errors()
        )
        raise GlossaryError(where) from exc


@lru_cache(maxsize=4)
def cached(path: Path) -> Glossary:
    return load(path)


# --- the check -------------------------------------------------------------------------------


def _patterns(glossary: Glossary, language: str) -> list[tuple[re.Pattern[str], Term]]:
    """Each avoided word of the language, matched where a word starts (a stem covers its
    endings), case-insensitively."""
    return [
        (re.compile(r"(?<!\w)" + re.escape(word), re.IGNORECASE), term)
        for term in glossary.terms
        for word in term.entry(language).avoid
    ]


def _course_texts(root: Path) -> Iterator[tuple[str, Path]]:
    """(language, file) for every lesson, quiz text and guide section of the course."""
    for language in content.REQUIRED_LANGUAGES:
        for folder in ("modules", "guide"):
            yield from ((language, f) for f in sorted(root.glob(f"{folder}/*/{language}.md")))
        yield from ((language, f) for f in sorted(root.glob(f"modules/*/quiz.{language}.yaml")))


def _lines(file: Path, language: str | None) -> Iterator[tuple[int, str, str]]:
    """(line number, language, text) of a file; a policy file (language None) gives only its
    language-keyed text lines."""
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if language is not None:
            yield number, language, line
            continue
        found = _POLICY_TEXT.match(line)
        if found and found["lang"] in content.REQUIRED_LANGUAGES:
            yield number, found["lang"], found["text"]


def _misuses(glossary: Glossary, files: list[tuple[str | None, Path]]) -> list[Problem]:
    patterns = {lang: _patterns(glossary, lang) for lang in content.REQUIRED_LANGUAGES}
    problems: list[Problem] = []
    for language, file in files:
        for number, lang, text in _lines(file, language):
            for pattern, term in patterns[lang]:
                hit = pattern.search(text)
                if hit:
                    problems.append(
                        Problem(
                            file=file,
                            line=number,
                            message=f'"{hit.group(0)}" is against the glossary: '
                            f'use "{term.entry(lang).term}" (term {term.id})',
                        )
                    )
    return problems


def _self_contradictions(glossary: Glossary, file: Path) -> list[Problem]:
    """An avoided word that the term or its own definition uses."""
    problems = []
    for term in glossary.terms:
        for language in content.REQUIRED_LANGUAGES:
            entry = term.entry(language)
            own = f"{entry.term} {entry.definition}"
            for pattern, _ in _patterns(Glossary(terms=(term,)), language):
                if pattern.search(own):
                    problems.append(
                        Problem(file, f"{term.id}.{language}: avoids a word it uses itself")
                    )
    return problems


def check(path: Path, policy_dir: Path | None = None) -> list[Problem]:
    """Problems with the glossary of the course at ``path`` and with the words the course and
    the policy texts use against it. A course without a glossary file has nothing to check.
    ``policy_dir`` defaults to the ``policy`` folder beside the course, when there is one."""
    root = content.course_dir(path)
    file = root / GLOSSARY_FILE
    if not file.exists():
        return []
    try:
        glossary = load(root)
    except GlossaryError as exc:
        return [Problem(file, str(exc))]
    files: list[tuple[str | None, Path]] = list(_course_texts(root))
    policy = (policy_dir or root.parent / "policy") / POLICY_TEXTS
    if policy.is_file():
        files.append((None, policy))
    return _self_contradictions(glossary, file) + _misuses(glossary, files)


# --- the public read route ---------------------------------------------------------------------


class GlossaryTermOut(BaseModel):
    id: str
    term: str
    definition: str
    avoid: list[str]


class GlossaryOut(BaseModel):
    language: str
    fallback: bool = Field(description="True when the language asked for is not available")
    terms: list[GlossaryTermOut]


router = APIRouter(prefix="/api/v1", tags=["course"], responses=PROBLEM_RESPONSES)


def pick_language(requested: list[str]) -> tuple[str, bool]:
    """(language served, fell back?) as the course picks it: Russian when none is asked for."""
    return i18n.pick(requested, available=content.REQUIRED_LANGUAGES)


def glossary_out(glossary: Glossary, language: str, fallback: bool) -> GlossaryOut:
    terms = [
        GlossaryTermOut(
            id=t.id,
            **t.entry(language).model_dump(exclude={"avoid"}),
            avoid=list(t.entry(language).avoid),
        )
        for t in glossary.terms
    ]
    return GlossaryOut(language=language, fallback=fallback, terms=terms)


@router.get("/glossary", response_model=GlossaryOut)
@public
def get_glossary(response: Response, settings: SettingsDep, wanted: LanguageDep) -> GlossaryOut:
    """The glossary in one language: each term, its plain definition and the words to avoid."""
    language, fallback = pick_language(wanted)
    glossary = cached(content.course_dir(settings.content_dir))
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"
    return glossary_out(glossary, language, fallback)
