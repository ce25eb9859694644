"""The shapes of the course's YAML files (content/adaptation_course/FORMAT.md) as pydantic models.

Every model forbids unknown fields. ``messages`` turns a validation error into the lines
`onboard content check` prints, so each names the field and what is wrong with it; checks that
need more than one file (links, languages, fact marks) stay in ``reader.Reader``.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from service.core import i18n

REQUIRED_LANGUAGES = i18n.LANGUAGES
# The regimes of content/policy/regimes.yaml (a test keeps the two lists equal).
REGIMES = ("student", "eaeu_worker", "patent_worker", "visa_worker", "other")
QUESTIONS = (4, 6)
OPTIONS = (2, 5)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_QUESTION_ID = re.compile(r"^[a-z0-9_-]{1,32}$")
# Quizzes test what to do under the law in force: no questions about bills or drafts.
BILL_WORDS = re.compile(
    r"\b(?:bills?|draft laws?|drafts?)\b|законопроект|проект[а-я]* закона", re.IGNORECASE
)


class FactStatus(StrEnum):
    """law: in force (or the current practice); the others may be marked only in a lesson's
    "changes being discussed" section, never asked about in a quiz."""

    law = "law"
    bill = "bill"
    draft = "draft"
    proposal = "proposal"


class ReviewStatus(StrEnum):
    draft = "draft"
    reviewed = "reviewed"


def _require(predicate: Any, message: str) -> Any:
    """A validator that refuses a value with ``message`` (phrased to follow the field name)."""

    def check(value: Any) -> Any:
        if not predicate(value):
            raise ValueError(message)
        return value

    return check


def _text(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("is missing or empty")
    return value.strip()


def _iso_date(message: str, *, word: str | None = None, optional: bool = False) -> Any:
    """A date (YAML gives one, or YYYY-MM-DD text); ``word`` is the one text allowed instead
    (read as None), ``optional`` allows null."""

    def parse(value: Any) -> date | None:
        if (word is not None and value == word) or (optional and value is None):
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ValueError(message)

    return parse


def _whole(low: int, high: int | None, message: str) -> Any:
    def check(value: Any) -> int:
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or value < low
            or (high is not None and value > high)
        ):
            raise ValueError(message)
        return value

    return check


Text = Annotated[str, BeforeValidator(_text)]
Slug = Annotated[
    str,
    BeforeValidator(
        _require(
            lambda v: isinstance(v, str) and _SLUG.match(v), "must be a slug (lower-case-words)"
        )
    ),
]
Regime = Annotated[
    str,
    BeforeValidator(
        _require(lambda v: v in REGIMES, f"must be one of the regimes {', '.join(REGIMES)}")
    ),
]
Regimes = Annotated[list[Regime], Field(min_length=1)]


def _unique(name: str) -> Any:
    def check(items: list[str]) -> list[str]:
        if not items:
            raise ValueError(f"must be a non-empty list of {name}")
        seen = set()
        for item in items:
            if item in seen:
                raise ValueError(f"has a duplicate id {item!r}")
            seen.add(item)
        return items

    return check


SlugList = Annotated[list[Slug], AfterValidator(_unique("slugs"))]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------------------ course.yaml


def _languages(value: Any) -> dict[str, ReviewStatus]:
    if not isinstance(value, dict) or not value:
        raise ValueError("must map language codes to draft or reviewed")
    out: dict[str, ReviewStatus] = {}
    for lang, status in value.items():
        if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}", lang):
            raise ValueError(f"{lang!r} is not a language code like 'uz'")
        if status not in tuple(ReviewStatus):
            raise ValueError(f"{lang}: review status must be draft or reviewed")
        out[lang] = ReviewStatus(status)
    missing = [lang for lang in REQUIRED_LANGUAGES if lang not in out]
    if missing:
        raise ValueError(
            f"{', '.join(missing)} is missing (required: all of {', '.join(REQUIRED_LANGUAGES)})"
        )
    return out


class Manifest(Strict):
    id: Text
    version: Annotated[int, BeforeValidator(_whole(1, None, "must be a whole number, 1 or more"))]
    pass_mark: Annotated[
        float,
        BeforeValidator(
            _require(
                lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 0 < v <= 1,
                "must be a number greater than 0 and at most 1",
            )
        ),
    ]
    languages: Annotated[dict[str, ReviewStatus], BeforeValidator(_languages)]
    modules: SlugList
    # Modules taught only to some regimes; the others are for everyone.
    regimes: dict[str, Regimes] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _regimes_name_modules(self) -> Manifest:
        for slug in self.regimes:
            if slug not in self.modules:
                raise ValueError(f"regimes: {slug!r} is not a module of this course")
        return self


class GuideOrder(Strict):
    sections: SlugList


class FrontMatter(Strict):
    title: Text


# ---------------------------------------------------------------------------------- facts


class FactIn(Strict):
    id: Slug
    summary: Text
    source: Text
    source_date: Annotated[
        date | None,
        BeforeValidator(_iso_date("must be a date (YYYY-MM-DD) or undated", word="undated")),
    ]
    checked_on: Annotated[
        date | None,
        BeforeValidator(
            _iso_date(
                "must be the date someone read the source (YYYY-MM-DD), or unknown",
                word="unknown",
            )
        ),
    ]
    review_by: Annotated[date, BeforeValidator(_iso_date("must be a date (YYYY-MM-DD)"))]
    status: Annotated[
        FactStatus,
        BeforeValidator(
            _require(
                lambda v: v in tuple(FactStatus),
                f"must be one of {', '.join(FactStatus)}",
            )
        ),
    ]
    effective_on: Annotated[
        date | None, BeforeValidator(_iso_date("must be a date (YYYY-MM-DD)", optional=True))
    ] = None
    expires_on: Annotated[
        date | None, BeforeValidator(_iso_date("must be a date (YYYY-MM-DD)", optional=True))
    ] = None
    confidence: Literal["high", "medium", "low"] | None = None

    @model_validator(mode="after")
    def _review_after_check(self) -> FactIn:
        if self.checked_on and self.review_by <= self.checked_on:
            raise ValueError("review_by must be after checked_on")
        return self


class FactsFile(Strict):
    facts: list[Any]


# ---------------------------------------------------------------------------------- quizzes


class QuestionKey(Strict):
    """One question of ``quiz.yaml``: how many options, which is right, whom it is for."""

    id: Annotated[
        str,
        BeforeValidator(
            _require(
                lambda v: isinstance(v, str) and _QUESTION_ID.match(v),
                "must be short lower-case text, like q1",
            )
        ),
    ]
    options: Annotated[
        int,
        BeforeValidator(_whole(*OPTIONS, f"must be a number from {OPTIONS[0]} to {OPTIONS[1]}")),
    ]
    answer: int
    # Asked only of these regimes (content/policy/regimes.yaml); absent: asked of everyone.
    regimes: Regimes | None = None
    # The facts the question tests: each must exist and be law, never a bill.
    facts: list[Slug] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _answer_in_range(cls, data: Any) -> Any:
        if isinstance(data, dict):
            answer, options = data.get("answer"), data.get("options")
            if not isinstance(options, int) or not OPTIONS[0] <= options <= OPTIONS[1]:
                return data
            if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < options:
                raise ValueError(
                    f"answer {answer!r} is out of range "
                    f"(zero-based index of one of {options} options)"
                )
        return data


def _question_count(items: list[Any]) -> list[Any]:
    low, high = QUESTIONS
    if not low <= len(items) <= high:
        raise ValueError(f"has {len(items)} questions (must be {low}-{high})")
    return items


class QuizKey(Strict):
    questions: Annotated[list[Any], AfterValidator(_question_count)]


class QuestionTexts(Strict):
    text: Text
    options: Annotated[list[Text], Field(min_length=1)]
    explanation: Text

    @model_validator(mode="after")
    def _not_about_bills(self) -> QuestionTexts:
        if any(BILL_WORDS.search(t) for t in (self.text, self.explanation, *self.options)):
            raise ValueError(
                "is about a bill or draft: quizzes test the law in force; mention bills "
                "only in a lesson's changes-under-discussion section"
            )
        return self


class QuizTexts(Strict):
    questions: dict[str, Any]


# --------------------------------------------------------------------------------- messages


def messages(exc: ValidationError) -> list[str]:
    """One line per error: the field's path and what is wrong, in the words of FORMAT.md."""
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"]]
        kind = err["type"]
        if kind == "extra_forbidden":
            where, message = loc[:-1], f"unknown field {loc[-1]!r}"
        elif kind == "missing":
            where, message = loc, "is missing or empty"
        elif kind == "value_error":
            where, message = loc, str(err["ctx"]["error"])
        elif kind in ("model_type", "dict_type") and not loc:
            where, message = [], "must be a mapping (see FORMAT.md)"
        else:
            where, message = loc, err["msg"][:1].lower() + err["msg"][1:]
        path = ".".join(where)
        if not path:
            out.append(message)
        elif message.startswith(("is ", "must ", "has ")):
            out.append(f"{path} {message}")
        else:
            out.append(f"{path}: {message}")
    return out
