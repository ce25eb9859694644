"""The migration card as a step-by-step form, declared once.

``STEPS`` is the form: each :class:`Step` names its answer, the field of the service's
``POST /cards`` body it fills, how a typed answer and a pressed button are read, the check
every answer passes (again just before sending), whether it may be skipped, and which edit
button of the confirmation screen asks it again. The handlers' states, the re-check, the
request body and the mapping of the service's field errors back to a step all derive from
it. :class:`Draft` is the registration in progress as kept in the FSM storage.

Plain functions without Telegram, so tests can call them directly. The checks mirror the
service's (the service has the last word: its 422 answers lead back to the step concerned).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot import dates, reference

SKIP = "-"  # skip an optional answer; on a Latin-letters step: "the Latin form shown is right"
TYPE = "type"  # on a Latin-letters step: "I will type it myself"
KEEP = "="  # editing from the confirmation screen: keep the current answer
WHOM = ("self", "family")
MAX_STAY_DAYS = 5 * 366
MAX_ADVANCE_DAYS = 366
# "I don't know" typed in one of the six languages: asked back, never kept as the answer.
_DONT_KNOW = re.compile(
    r"(не\s*знаю|незнаю|bilmayman|bilmadim|намедонам|билбейм|білмеймін|"
    r"don'?t\s*know|do\s*not\s*know|unknown|не\s*известно|неизвестно)",
    re.IGNORECASE,
)


@dataclass
class Invalid(Exception):
    """An answer that cannot be accepted: ``code`` names the explanation to show."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:  # never the answer itself: it may be personal data
        return self.code


@dataclass
class Ambiguous(Exception):
    """A typed country or region that matches several: the user picks one."""

    candidates: list[str]


# ------------------------------------------------------------------------------ the draft


class Answers(BaseModel):
    """The card's answers so far (personal data). None: not answered, or skipped."""

    model_config = ConfigDict(extra="forbid")

    surname: str | None = None
    given_names: str | None = None
    surname_latin: str | None = None
    given_names_latin: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None
    citizenship: str | None = None
    document_type: str | None = None
    document_number: str | None = None
    purpose: str | None = None
    visa_number: str | None = None
    stay_from: date | None = None
    stay_until: date | None = None
    host_kind: str | None = None
    host_name: str | None = None
    host_address: str | None = None
    region: str | None = None
    occupation: str | None = None


class Draft(BaseModel):
    """A registration in progress, as the FSM storage keeps it (JSON, cleared at the end).
    Keys it does not know are left out (a draft of an older version has no ``expires``, so
    it counts as expired and is deleted with a word to the user)."""

    model_config = ConfigDict(extra="ignore")

    expires: float = 0.0  # epoch seconds: older answers are deleted, whatever the storage
    whom: Literal["self", "family"] | None = None
    answers: Answers = Field(default_factory=Answers)
    skipped: set[str] = Field(default_factory=set)  # answered "none" or "not known yet"
    latin: dict[str, str] = Field(default_factory=dict)  # Latin forms to show, by Latin step
    return_to: str | None = None  # editing: the step after which the summary comes back
    idempotency_key: str | None = None  # one per request body: a repeated press repeats it
    prompt: int | None = None  # the message id of the question asked last (its buttons go)

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> Draft:
        """The draft in the FSM data; a shape from an older version starts afresh."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError:
            return cls()

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    @property
    def family(self) -> bool:
        """The card is a family member's: questions say "their", not "your"."""
        return self.whom == "family"

    def value(self, step: str) -> Any:
        return getattr(self.answers, step)

    def answered(self, step: str) -> bool:
        return self.value(step) is not None or step in self.skipped

    def answer(self, step: str, value: Any) -> None:
        setattr(self.answers, step, value)
        if value is None:
            self.skipped.add(step)
        else:
            self.skipped.discard(step)
        self.idempotency_key = None  # another body: another request

    def forget(self, step: str) -> None:
        setattr(self.answers, step, None)
        self.skipped.discard(step)


# ------------------------------------------------------------------------------ checks


_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '’ʻʼ.-][^\W\d_]+)*\.?$")
_LATIN_RE = re.compile(r"^[A-Z]+(?:[ -][A-Z]+)*$")
_DOC_RE = re.compile(r"^(?=.*\d)[A-Z0-9]{5,20}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_INVISIBLE_RE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def is_latin(value: str) -> bool:
    """Whether a name is in the ICAO Latin letters the card prints (A-Z, space, hyphen)."""
    return bool(_LATIN_RE.match(value))


def _text(value: str, limit: int) -> str:
    if _CONTROL_RE.search(value.replace("\n", " ")):
        raise Invalid("control_characters")
    # A letter typed or pasted as letter + combining mark is one letter ("й" = и + U+0306);
    # direction and zero-width marks that RTL keyboards add are invisible: not kept.
    value = _INVISIBLE_RE.sub("", unicodedata.normalize("NFC", value))
    value = " ".join(value.split())
    if not value:
        raise Invalid("blank")
    if len(value) > limit:
        raise Invalid("too_long", {"limit": limit})
    return value


def check_name(value: str) -> str:
    # Uzbek Latin writes oʻ and gʻ with U+02BB; phones often type a quotation mark instead.
    value = _text(value.replace("‘", "ʻ").replace("`", "ʻ"), 100)
    if not _NAME_RE.match(value):
        raise Invalid("name")
    return value


def check_latin(value: str) -> str:
    value = _text(value, 100).upper()
    if not _LATIN_RE.match(value):
        raise Invalid("latin")
    return value


def check_document_number(value: str, code: str = "document_number") -> str:
    value = re.sub(r"[\s-]", "", value.strip().upper())
    if re.search(r"[А-ЯЁ]", value):
        raise Invalid(code + "_cyrillic")
    if not _DOC_RE.match(value):
        raise Invalid(code)
    return value


def parse_date(value: str, *, birth_today: date | None = None) -> date:
    """A typed date ("17.4.96", "17 aprel 1996", "05/11/1998"); two-digit years of a birth
    date (``birth_today`` given) are the latest such year not in the future."""
    try:
        return dates.parse(value, today=birth_today)
    except dates.DateError as exc:
        raise Invalid(exc.code) from None


def check_birth_date(value: date, today: date) -> date:
    if value > today:
        raise Invalid("birth_future")
    if value.year < 1900:
        raise Invalid("birth_too_early")
    return value


def check_stay_from(value: date, draft: Draft, today: date) -> date:
    born = draft.answers.date_of_birth
    if born and value < born:
        raise Invalid("stay_before_birth")
    if value > today + timedelta(days=MAX_ADVANCE_DAYS):
        raise Invalid("stay_too_far")
    return value


def check_stay_until(value: date, draft: Draft, today: date) -> date:
    start = draft.answers.stay_from or today
    if value < start:
        raise Invalid("stay_until_before_from")
    if value < today:
        raise Invalid("stay_until_past")
    if (value - start).days > MAX_STAY_DAYS:
        raise Invalid("stay_too_long")
    return value


def check_country(code: str) -> str:
    code = code.strip().upper()
    if code == "RUS":
        raise Invalid("country_russia")
    if not reference.is_country(code):
        raise Invalid("country_unknown")
    return code


def check_region(code: str) -> str:
    code = code.strip().upper()
    if code not in reference.regions():
        raise Invalid("region_unknown")
    return code


def _one(candidates: list[str], unknown: str) -> str:
    """The one code a typed name matched (Russia only when nothing else matched)."""
    if not candidates:
        raise Invalid(unknown)
    if "RUS" in candidates and len(candidates) > 1:
        candidates = [c for c in candidates if c != "RUS"]
    if len(candidates) > 1:
        raise Ambiguous(candidates[:12])
    return candidates[0]


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("use_buttons") from None


def _no_typing(_text: str, _today: date) -> Any:
    raise Invalid("use_buttons")


def _as_typed(text: str, _today: date) -> str:
    return text


def _text_up_to(limit: int, *, unknowable: bool = False) -> Callable[[Any, Draft, date], str]:
    def check(value: Any, _draft: Draft, _today: date) -> str:
        if unknowable and _DONT_KNOW.search(str(value)):
            raise Invalid("dont_know")
        return _text(str(value), limit)

    return check


def _choice(choices: Mapping[str, str]) -> Callable[[Any, Draft, date], str]:
    def check(value: Any, _draft: Draft, _today: date) -> str:
        if value not in choices:
            raise Invalid("use_buttons")
        return str(value)

    return check


# ------------------------------------------------------------------------------ the steps

Skip = Literal["never", "optional", "unknown", "latin"]


@dataclass(frozen=True)
class Step:
    """One question of the form.

    ``skip``: "optional" may be skipped; "unknown" may be answered "I don't know yet" (kept
    as not known, never as text); "latin" may be confirmed as the Latin form shown.
    """

    name: str
    field: str  # where the answer goes in the POST /cards body ("holder.document.number")
    group: str  # the confirmation screen's edit button that asks it again
    check: Callable[[Any, Draft, date], Any]  # a value read → the answer kept; or Invalid
    read: Callable[[str, date], Any] = _as_typed  # a typed answer → a value to check
    button: Callable[[str], Any] | None = None  # a button's value → a value to check
    choices: Mapping[str, str] | None = None  # answered with these buttons only
    skip: Skip = "never"
    echo: bool = False  # a typed answer is shown back as read ("✔️ Date of birth: …")
    after: str | None = None  # asked only when this answer is not empty

    def applies(self, draft: Draft) -> bool:
        return self.after is None or bool(draft.value(self.after))


def _choice_step(name: str, field: str, choices: Mapping[str, str], group: str = "") -> Step:
    return Step(
        name, field, group or name, _choice(choices), read=_no_typing, button=str, choices=choices
    )


def _code_step(
    name: str, field: str, check: Callable[[str], str], find: Callable[[str], list[str]]
) -> Step:
    """A country or a region: a code from a button, or a typed name (asked back when it
    matches several)."""
    unknown = ("country" if name == "citizenship" else name) + "_unknown"
    return Step(
        name,
        field,
        name,
        lambda v, _d, _t: check(v),
        read=lambda text, _t: _one(find(text), unknown),
        button=str,
        echo=True,
    )


def _date_step(name: str, field: str, check: Callable[[date, Draft, date], date]) -> Step:
    """A date of the stay: typed, or one of the quick dates offered as buttons."""
    return Step(
        name,
        field,
        "stay",
        check,
        read=lambda text, _t: parse_date(text),
        button=_iso_date,
        echo=True,
    )


def _name_step(name: str, field: str, *, skip: Skip = "never", after: str | None = None) -> Step:
    latin = name.endswith("_latin")
    check = check_latin if latin else check_name
    return Step(name, field, "names", lambda v, _d, _t: check(v), skip=skip, after=after)


STEPS: tuple[Step, ...] = (
    _name_step("surname", "holder.surname"),
    _name_step("given_names", "holder.given_names", skip="optional"),
    _name_step("surname_latin", "holder.surname_latin", skip="latin"),
    _name_step("given_names_latin", "holder.given_names_latin", skip="latin", after="given_names"),
    Step(
        "date_of_birth",
        "holder.date_of_birth",
        "date_of_birth",
        lambda v, _d, today: check_birth_date(v, today),
        read=lambda text, today: parse_date(text, birth_today=today),
        echo=True,
    ),
    _choice_step("sex", "holder.sex", reference.SEXES),
    _code_step("citizenship", "holder.citizenship", check_country, reference.find_countries),
    _choice_step("document_type", "holder.document.type", reference.DOCUMENT_TYPES, "document"),
    Step(
        "document_number",
        "holder.document.number",
        "document",
        lambda v, _d, _t: check_document_number(v),
    ),
    _choice_step("purpose", "purpose", reference.PURPOSES),
    Step(
        "visa_number",
        "visa_number",
        "visa",  # its own edit: editing the purpose does not ask for the visa again
        lambda v, _d, _t: check_document_number(v, "visa_number"),
        skip="optional",
    ),
    _date_step("stay_from", "planned_stay.from", check_stay_from),
    _date_step("stay_until", "planned_stay.until", check_stay_until),
    _choice_step("host_kind", "host.kind", reference.HOST_KINDS, "host"),
    Step("host_name", "host.name", "host", _text_up_to(200, unknowable=True), skip="unknown"),
    Step("host_address", "host.address", "host", _text_up_to(300, unknowable=True), skip="unknown"),
    _code_step("region", "region", check_region, reference.find_regions),
    Step("occupation", "occupation", "occupation", _text_up_to(120), skip="optional"),
)
BY_NAME: dict[str, Step] = {s.name: s for s in STEPS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
# The confirmation screen's edit buttons: each asks again its steps, first to last.
EDIT_GROUPS: dict[str, tuple[str, str]] = {}
for _step in STEPS:
    _first = EDIT_GROUPS.get(_step.group, (_step.name, _step.name))[0]
    EDIT_GROUPS[_step.group] = (_first, _step.name)
# The Latin-letters step of each native name: the Latin form shown is confirmed there.
LATIN_STEP = {"surname": "surname_latin", "given_names": "given_names_latin"}


def step(name: str) -> Step:
    return BY_NAME[name]


# ------------------------------------------------------------------------------ order


def first_step() -> str:
    return STEPS[0].name


def next_step(name: str, draft: Draft) -> str | None:
    """The step after ``name``, or None when the confirmation screen comes next."""
    index = NAMES.index(name)
    limit = NAMES.index(draft.return_to) if draft.return_to in BY_NAME else len(STEPS) - 1
    for candidate in STEPS[index + 1 : limit + 1]:
        if candidate.applies(draft):
            return candidate.name
    return None


def missing_step(draft: Draft) -> str | None:
    """The first step not yet answered (a skipped optional answer counts as answered)."""
    for s in STEPS:
        if s.applies(draft) and not draft.answered(s.name):
            return s.name
    return None


def latin_of(name: str, draft: Draft) -> str | None:
    """The Latin form the card will print for a name, shown for confirmation, if known."""
    return draft.latin.get(name) if BY_NAME[name].skip == "latin" else None


def can_skip(name: str, draft: Draft) -> bool:
    kind = BY_NAME[name].skip
    if kind == "latin":
        return latin_of(name, draft) is not None
    return kind != "never"


def can_keep(name: str, draft: Draft) -> bool:
    """Editing a part of the card: its current answer can be kept as it is (a Latin form is
    shown again instead, since the name it spells may have changed)."""
    return (
        draft.return_to is not None
        and draft.value(name) is not None
        and BY_NAME[name].skip != "latin"
    )


# ------------------------------------------------------------------------------ answers


def parse_text(name: str, text: str, draft: Draft, today: date) -> Any:
    """A typed answer to step ``name``, checked; raises Invalid or Ambiguous."""
    s = BY_NAME[name]
    return s.check(s.read(text, today), draft, today)


def parse_choice(name: str, value: str, draft: Draft, today: date) -> Any:
    """A button's answer to step ``name``: a code, a quick date, keep, or skip."""
    s = BY_NAME[name]
    if value == KEEP:
        if not can_keep(name, draft):
            raise Invalid("use_buttons")
        return draft.value(name)
    if value == SKIP:
        if not can_skip(name, draft):
            raise Invalid("required")
        return latin_of(name, draft)
    if s.button is None:
        raise Invalid("use_buttons")
    return s.check(s.button(value), draft, today)


def _plain(text: str) -> str:
    """Lower-case letters and digits only: what is left of a label once emoji, punctuation
    and apostrophes are gone ("ozbekiston" = "Oʻzbekiston", "👤 Me" = "me")."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if c.isalnum())


def match_label(text: str, labels: dict[str, str]) -> str | None:
    """The key of the label typed (a button's text typed instead of pressed), if one."""
    typed = _plain(text)
    if not typed:
        return None
    found = [key for key, label in labels.items() if _plain(label) == typed]
    return found[0] if len(found) == 1 else None


def recheck(draft: Draft, today: date) -> tuple[str, Invalid] | None:
    """Check every answer again (time passes, edits change what others depend on)."""
    for s in STEPS:
        if not s.applies(draft):
            continue
        value = draft.value(s.name)
        if value is None:
            if not draft.answered(s.name) or not can_skip(s.name, draft):
                return s.name, Invalid("required")
            continue
        try:
            s.check(value, draft, today)
        except Invalid as exc:
            return s.name, exc
    return None


# ------------------------------------------------------------------------------ request


def to_body(draft: Draft, *, language: str, telegram_user_id: int) -> dict[str, Any]:
    """The POST /cards body: each answer given at its step's field (an unknown one is left
    out, never sent as text)."""
    body: dict[str, Any] = {"language": language, "telegram_user_id": telegram_user_id}
    for s in STEPS:
        value = draft.value(s.name)
        if value is None or not s.applies(draft):
            continue
        *parents, last = s.field.split(".")
        node = body
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value.isoformat() if isinstance(value, date) else value
    return body


def step_for_api_field(path: str) -> str:
    """The step that holds a field the service refused: its own, or the last one inside
    an object refused as a whole ("planned_stay" → stay_until)."""
    inside = [s.name for s in STEPS if s.field == path or s.field.startswith(path + ".")]
    return inside[-1] if inside else STEPS[0].name
