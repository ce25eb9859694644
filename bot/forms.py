"""The migration card as a step-by-step form: the steps, their checks, the request body.

Plain functions without Telegram, so tests can call them directly. The checks mirror the
service's (the service has the last word: its 422 answers lead back to the step concerned).
Answers are kept as JSON-ready values (dates as ISO strings) in the FSM data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot import dates, latin, reference

STEPS = (
    "surname",
    "given_names",
    "surname_latin",
    "given_names_latin",
    "date_of_birth",
    "sex",
    "citizenship",
    "document_type",
    "document_number",
    "purpose",
    "visa_number",
    "stay_from",
    "stay_until",
    "host_kind",
    "host_name",
    "host_address",
    "region",
    "occupation",
)
# Steps answered only with buttons; the value sets are the service's enums.
CHOICES: dict[str, dict[str, str]] = {
    "sex": reference.SEXES,
    "document_type": reference.DOCUMENT_TYPES,
    "purpose": reference.PURPOSES,
    "host_kind": reference.HOST_KINDS,
}
# What the confirmation screen's edit buttons restart: the first and the last step.
EDIT_GROUPS: dict[str, tuple[str, str]] = {
    "names": ("surname", "given_names_latin"),
    "date_of_birth": ("date_of_birth", "date_of_birth"),
    "sex": ("sex", "sex"),
    "citizenship": ("citizenship", "citizenship"),
    "document": ("document_type", "document_number"),
    "purpose": ("purpose", "purpose"),  # the visa is its own edit: not asked again for nothing
    "visa": ("visa_number", "visa_number"),
    "stay": ("stay_from", "stay_until"),
    "host": ("host_kind", "host_address"),
    "region": ("region", "region"),
    "occupation": ("occupation", "occupation"),
}
SKIP = "-"  # skip an optional answer; on a Latin-letters step: "the Latin form shown is right"
TYPE = "type"  # on a Latin-letters step: "I will type it myself"
KEEP = "="  # editing from the confirmation screen: keep the current answer
# Answers a worker may not know yet: "skip" saves them as unknown (never as free text).
UNKNOWABLE = ("host_name", "host_address")
# "I don't know" typed in one of the six languages: asked back, never kept as the answer.
_DONT_KNOW = re.compile(
    r"(не\s*знаю|незнаю|bilmayman|bilmadim|намедонам|билбейм|білмеймін|"
    r"don'?t\s*know|do\s*not\s*know|unknown|не\s*известно|неизвестно)",
    re.IGNORECASE,
)
RETURN_KEY = "_return"  # the step after which an edit goes back to the confirmation screen
WHOM_KEY = "_whom"  # "self" (the account holder) or "family" (a family member)
WHOM = ("self", "family")
MAX_STAY_DAYS = 5 * 366
MAX_ADVANCE_DAYS = 366


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


# ------------------------------------------------------------------------------ order


def is_family(data: dict[str, Any]) -> bool:
    """The card being filled in is a family member's: questions say "their", not "your"."""
    return data.get(WHOM_KEY) == "family"


def applies(step: str, data: dict[str, Any]) -> bool:
    if step == "given_names_latin":
        return bool(data.get("given_names"))
    return True


def can_skip(step: str, data: dict[str, Any]) -> bool:
    if step in ("given_names", "visa_number", "occupation", *UNKNOWABLE):
        return True
    if step in _LATIN_OF:
        return latin_of(step, data) is not None
    return False


_LATIN_OF = {"surname_latin": "surname", "given_names_latin": "given_names"}


def latin_of(step: str, data: dict[str, Any]) -> str | None:
    """The Latin form the card will print for a name (shown for confirmation), if the name
    can be spelt in Latin letters automatically."""
    name = data.get(_LATIN_OF.get(step, ""))
    if not name or not transliterable(name):
        return None
    spelt = latin.to_icao_latin(name)
    return spelt if _LATIN_RE.match(spelt) else None


def can_keep(step: str, data: dict[str, Any]) -> bool:
    """Editing a part of the card: its current answer can be kept as it is (a Latin form is
    shown again instead, since the name it spells may have changed)."""
    return RETURN_KEY in data and data.get(step) is not None and step not in _LATIN_OF


def first_step() -> str:
    return STEPS[0]


def next_step(step: str, data: dict[str, Any]) -> str | None:
    """The step after ``step``, or None when the confirmation screen comes next."""
    index = STEPS.index(step)
    until = data.get(RETURN_KEY)
    limit = STEPS.index(until) if until in STEPS else len(STEPS) - 1
    for candidate in STEPS[index + 1 : limit + 1]:
        if applies(candidate, data):
            return candidate
    return None


def missing_step(data: dict[str, Any]) -> str | None:
    """The first step not yet answered (a skipped optional answer counts as answered)."""
    for step in STEPS:
        if applies(step, data) and step not in data:
            return step
    return None


# ------------------------------------------------------------------------------ checks


_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '’ʻʼ.-][^\W\d_]+)*\.?$")
_LATIN_RE = re.compile(r"^[A-Z]+(?:[ -][A-Z]+)*$")
_DOC_RE = re.compile(r"^(?=.*\d)[A-Z0-9]{5,20}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_LIMITS = {"host_name": 200, "host_address": 300, "occupation": 120}


def transliterable(name: str) -> bool:
    """Whether the service can spell a name in Latin letters itself (Cyrillic or Latin)."""
    letters = [c for c in name if unicodedata.category(c) in ("Lu", "Ll", "Lt", "Lo")]
    return bool(letters) and all(
        unicodedata.name(c, "").startswith(("LATIN", "CYRILLIC")) for c in letters
    )


def _text(value: str, limit: int) -> str:
    if _CONTROL_RE.search(value.replace("\n", " ")):
        raise Invalid("control_characters")
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


def check_stay_from(value: date, data: dict[str, Any], today: date) -> date:
    born = data.get("date_of_birth")
    if born and value < date.fromisoformat(born):
        raise Invalid("stay_before_birth")
    if value > today + timedelta(days=MAX_ADVANCE_DAYS):
        raise Invalid("stay_too_far")
    return value


def check_stay_until(value: date, data: dict[str, Any], today: date) -> date:
    start = date.fromisoformat(data["stay_from"]) if data.get("stay_from") else today
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


def parse_text(step: str, text: str, data: dict[str, Any], today: date) -> Any:
    """A typed answer to ``step``, checked; raises Invalid or Ambiguous."""
    if step in CHOICES:
        raise Invalid("use_buttons")
    if step in ("surname", "given_names"):
        return check_name(text)
    if step in ("surname_latin", "given_names_latin"):
        return check_latin(text)
    if step == "date_of_birth":
        return check_birth_date(parse_date(text, birth_today=today), today).isoformat()
    if step == "stay_from":
        return check_stay_from(parse_date(text), data, today).isoformat()
    if step == "stay_until":
        return check_stay_until(parse_date(text), data, today).isoformat()
    if step == "document_number":
        return check_document_number(text)
    if step == "visa_number":
        return check_document_number(text, "visa_number")
    if step == "citizenship":
        return _one(reference.find_countries(text), check_country, "country_unknown")
    if step == "region":
        return _one(reference.find_regions(text), check_region, "region_unknown")
    if step in UNKNOWABLE and _DONT_KNOW.search(text):
        raise Invalid("dont_know")
    return _text(text, _TEXT_LIMITS.get(step, 200))


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


def _one(candidates: list[str], check: Any, unknown: str) -> str:
    if not candidates:
        raise Invalid(unknown)
    if "RUS" in candidates and len(candidates) > 1:
        candidates = [c for c in candidates if c != "RUS"]
    if len(candidates) > 1:
        raise Ambiguous(candidates[:12])
    return str(check(candidates[0]))


def parse_choice(step: str, value: str, data: dict[str, Any], today: date) -> Any:
    """A button's answer to ``step``: a code from the lists, a quick date, or a skip."""
    if value == KEEP:
        if not can_keep(step, data):
            raise Invalid("use_buttons")
        return data[step]
    if value == SKIP:
        if not can_skip(step, data):
            raise Invalid("required")
        return latin_of(step, data) if step in _LATIN_OF else None
    if step in CHOICES:
        if value not in CHOICES[step]:
            raise Invalid("use_buttons")
        return value
    if step == "citizenship":
        return check_country(value)
    if step == "region":
        return check_region(value)
    if step in ("stay_from", "stay_until"):
        return parse_text(step, value, data, today)
    raise Invalid("use_buttons")


def recheck(data: dict[str, Any], today: date) -> tuple[str, Invalid] | None:
    """Check every answer again (time passes, edits change what others depend on)."""
    for step in STEPS:
        if not applies(step, data):
            continue
        value = data.get(step)
        if value is None:
            if step not in data or not can_skip(step, data):
                return step, Invalid("required")
            continue
        try:
            if step in CHOICES or step in ("citizenship", "region"):
                parse_choice(step, str(value), data, today)
            elif step in ("date_of_birth", "stay_from", "stay_until"):
                parse_text(step, date.fromisoformat(value).strftime("%d.%m.%Y"), data, today)
            else:
                parse_text(step, str(value), data, today)
        except Invalid as exc:
            return step, exc
    return None


# ------------------------------------------------------------------------------ request


def to_body(data: dict[str, Any], *, language: str, telegram_user_id: int) -> dict[str, Any]:
    """The POST /cards body from the answers."""
    holder: dict[str, Any] = {
        "surname": data["surname"],
        "date_of_birth": data["date_of_birth"],
        "sex": data["sex"],
        "citizenship": data["citizenship"],
        "document": {"type": data["document_type"], "number": data["document_number"]},
    }
    for key in ("given_names", "surname_latin", "given_names_latin"):
        if data.get(key) and applies(key, data):
            holder[key] = data[key]
    body: dict[str, Any] = {
        "holder": holder,
        "purpose": data["purpose"],
        "planned_stay": {"from": data["stay_from"], "until": data["stay_until"]},
        "host": {"kind": data["host_kind"]},
        "region": data["region"],
        "language": language,
        "telegram_user_id": telegram_user_id,
    }
    for key, step in (("name", "host_name"), ("address", "host_address")):
        if data.get(step):  # unknown yet: left out, never sent as text
            body["host"][key] = data[step]
    if data.get("visa_number"):
        body["visa_number"] = data["visa_number"]
    if data.get("occupation"):
        body["occupation"] = data["occupation"]
    return body


_API_FIELDS = {
    "holder.surname": "surname",
    "holder.given_names": "given_names",
    "holder.surname_latin": "surname_latin",
    "holder.given_names_latin": "given_names_latin",
    "holder.date_of_birth": "date_of_birth",
    "holder.sex": "sex",
    "holder.citizenship": "citizenship",
    "holder.document.type": "document_type",
    "holder.document.number": "document_number",
    "holder.document": "document_number",
    "purpose": "purpose",
    "visa_number": "visa_number",
    "planned_stay.from": "stay_from",
    "planned_stay.until": "stay_until",
    "planned_stay": "stay_until",
    "host.kind": "host_kind",
    "host.name": "host_name",
    "host.address": "host_address",
    "region": "region",
    "occupation": "occupation",
}


def step_for_api_field(field_name: str, reason: str) -> str:
    """The step that holds a field the service refused (whole-object errors by their text)."""
    if field_name in _API_FIELDS:
        return _API_FIELDS[field_name]
    if "given_names_latin" in reason:
        return "given_names_latin"
    if "surname_latin" in reason:
        return "surname_latin"
    if field_name.startswith("holder"):
        return "surname"
    if "date_of_birth" in reason or "planned_stay" in reason:
        return "stay_from"
    return "surname"
