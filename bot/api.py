"""The service's HTTP API as the bot sees it: typed answers and a small error hierarchy.

The bot is an integrator like any other (an API key with the ``bot`` scope); nothing here
imports the service. Exception messages never carry response bodies: those hold personal data.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

log = logging.getLogger("onboard.bot.api")
_M = TypeVar("_M", bound=BaseModel)


# ------------------------------------------------------------------------------ errors


class ServiceError(Exception):
    """The service answered with an error, or not at all."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ServiceUnavailable(ServiceError):
    """Down, slow, overloaded or misconfigured: the user should try again later."""


class NotFound(ServiceError):
    pass


class FieldError(BaseModel):
    field: str
    reason: str


class InvalidInput(ServiceError):
    """422: the body names the fields that were refused."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("invalid fields: " + ", ".join(e.field for e in errors), status=422)
        self.errors = errors


class Conflict(ServiceError):
    """409; ``reason`` is the problem's machine-readable reason when the service gives one."""

    def __init__(self, reason: str | None, errors: list[FieldError] | None = None) -> None:
        super().__init__(f"conflict: {reason or 'unspecified'}", status=409)
        self.reason = reason
        self.errors = errors or []


# ------------------------------------------------------------------------------ shapes


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Profile(_Out):
    telegram_user_id: int
    language: str
    consent_version: str | None = None
    consent_given_at: datetime | None = None
    reminders_muted: bool = False
    self_person_id: uuid.UUID | None = None


class Holder(_Out):
    surname: str | None = None
    given_names: str | None = None
    surname_latin: str | None = None
    given_names_latin: str | None = None
    date_of_birth: date | None = None
    citizenship: str


class Card(_Out):
    id: uuid.UUID
    number: str
    status: str
    person_id: uuid.UUID
    holder: Holder
    purpose: str
    stay_until: date
    region: str


class LatinForm(_Out):
    name_latin: str | None = None


class CardPage(_Out):
    items: list[Card]
    next_cursor: str | None = None


class ModuleSummary(_Out):
    slug: str
    position: int
    title: str
    pages: int
    questions: int


class CourseOutline(_Out):
    version: int
    pass_mark: float
    modules: list[ModuleSummary]


class Page(_Out):
    number: int
    html: str


class Question(_Out):
    id: str
    text: str
    options: list[str]


class ModuleContent(_Out):
    slug: str
    position: int
    title: str
    pass_mark: float
    pages: list[Page]
    questions: list[Question]


class QuestionResult(_Out):
    id: str
    chosen: int
    correct: bool
    answer: int | None = None  # the right option, once scored
    explanation: str


class AttemptResult(_Out):
    attempt: int
    module: str
    correct: int
    questions: int
    score: float
    pass_mark: float
    passed: bool
    results: list[QuestionResult]
    course_completed: bool


class AnswerFeedback(_Out):
    """One answer checked at once: right or not, the right option (authored index), why."""

    question: str
    chosen: int
    already_answered: bool = False
    correct: bool
    answer: int
    explanation: str
    answered: int
    questions: int
    result: AttemptResult | None = None  # the scored attempt, after the last answer


class ModuleProgress(_Out):
    slug: str
    attempts: int
    passed: bool


class CourseProgress(_Out):
    modules: list[ModuleProgress]
    modules_passed: int
    modules_total: int
    completed: bool


class GuideSummary(_Out):
    slug: str
    title: str
    pages: int


class GuideOutline(_Out):
    sections: list[GuideSummary]


class GuideContent(_Out):
    slug: str
    title: str
    pages: list[Page]


class GlossaryTerm(_Out):
    id: str
    term: str
    definition: str


class Glossary(_Out):
    language: str
    terms: list[GlossaryTerm]


class Proof(_Out):
    payload: str
    expires_at: datetime
    kid: str = Field(default="")


class DoneFact(_Out):
    done_on: date
    self_reported: bool


class ChecklistItem(_Out):
    id: str
    title: str
    how_to: str
    due_on: date | None = None
    status: str  # pending | done | overdue | not_applicable
    done: DoneFact | None = None
    reportable: bool = True

    @property
    def open(self) -> bool:
        """Due, not done yet, and something the holder can report done."""
        return self.reportable and self.status in ("pending", "overdue") and self.due_on is not None


class StayLimit(_Out):
    text: str


class Checklist(_Out):
    card_id: uuid.UUID
    language: str
    reminders_muted: bool = False
    items: list[ChecklistItem]
    # The law's limit on the stay for the card's regime (beside the planned stay).
    stay_limit: StayLimit | None = None
    # eaeu_worker, patent_worker, visa_worker, student or other (the service's policy).
    regime: str | None = None


class Payment(_Out):
    paid_on: date
    months: int


class Permit(_Out):
    id: uuid.UUID
    issued_on: date
    paid_until: date
    payments: list[Payment] = Field(default_factory=list)


class Reminder(_Out):
    """A claimed reminder, as much as the bot needs to deliver and confirm it (the service
    also sends the card's and the item's ids; they are ignored)."""

    id: int
    card_number: str
    telegram_user_id: int
    language: str
    title: str
    how_to: str
    due_on: date
    days_left: int


class ReminderBatch(_Out):
    items: list[Reminder]


# ------------------------------------------------------------------------------ client


@dataclass(frozen=True)
class Response:
    status: int
    content: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300


class ServiceClient:
    """A thin async client of /api/v1 with timeouts; one instance per process.

    aiohttp (which aiogram brings anyway), not httpx: measured here, httpx's async client
    spent 3.3 ms of CPU per request against aiohttp's 0.26 ms, which capped the bot at a
    hundred updates a second.
    """

    def __init__(
        self, base_url: str, api_key: str, *, timeout: float = 10.0, connections: int = 16
    ) -> None:
        self._base = base_url.rstrip("/") + "/api/v1"
        self._headers = {"X-API-Key": api_key, "User-Agent": "onboard-bot"}
        # A burst of users queues here, in the bot, instead of piling onto the service: the
        # wait for a free connection is bounded too (then: "try again later").
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=3 * timeout, sock_connect=min(timeout, 5.0), sock_read=timeout
        )
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._root = self
        self._acting: int | None = None

    def acting_for(self, telegram_user_id: int) -> ServiceClient:
        """This client, speaking for one Telegram user: every request carries
        ``X-Telegram-User-Id``, and the service serves only that user's cards and people.
        Shares the connection pool; made once per update from the update's sender."""
        bound = copy.copy(self)
        bound._acting = telegram_user_id
        return bound

    def _http(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running event loop (aiohttp's requirement); one pool
        # for the process, whichever user a bound copy speaks for.
        root = self._root
        if root._session is None or root._session.closed:
            root._session = aiohttp.ClientSession(
                headers=root._headers,
                timeout=root._timeout,
                connector=aiohttp.TCPConnector(limit=root._connections),
                raise_for_status=False,
            )
        return root._session

    async def aclose(self) -> None:
        if self._root._session is not None:
            await self._root._session.close()

    # -- profiles

    async def get_profile(self, telegram_user_id: int) -> Profile | None:
        try:
            return await self._json(
                Profile, "GET", _path("telegram-users", telegram_user_id), acting=telegram_user_id
            )
        except NotFound:
            return None

    async def set_language(self, telegram_user_id: int, language: str) -> Profile:
        return await self._json(
            Profile,
            "PUT",
            _path("telegram-users", telegram_user_id),
            json={"language": language},
            acting=telegram_user_id,
        )

    async def set_self_person(self, telegram_user_id: int, person_id: uuid.UUID) -> Profile:
        """Say which of the account's persons is the account holder."""
        return await self._json(
            Profile,
            "PUT",
            _path("telegram-users", telegram_user_id),
            json={"self_person_id": str(person_id)},
            acting=telegram_user_id,
        )

    async def record_consent(self, telegram_user_id: int, version: str, language: str) -> Profile:
        body = {"notice_version": version, "language": language}
        return await self._json(
            Profile,
            "POST",
            _path("telegram-users", telegram_user_id, "consent"),
            json=body,
            acting=telegram_user_id,
        )

    # -- cards and proofs

    async def create_card(self, body: dict[str, Any], *, idempotency_key: str) -> Card:
        headers = {"Idempotency-Key": idempotency_key}
        return await self._json(Card, "POST", "/cards", json=body, headers=headers)

    async def latin_form(self, name: str) -> str | None:
        """The Latin form a card would print for a name (None: it has to be typed)."""
        answer = await self._json(LatinForm, "POST", "/reference/latin", json={"name": name})
        return answer.name_latin

    async def list_cards(self, telegram_user_id: int) -> list[Card]:
        cards: list[Card] = []
        params: dict[str, Any] = {"telegram_user_id": telegram_user_id, "limit": 100}
        for _ in range(10):  # a family, not a registry: ten pages is far beyond any phone
            page = await self._json(
                CardPage, "GET", "/cards", params=params, acting=telegram_user_id
            )
            cards.extend(page.items)
            if not page.next_cursor:
                break
            params["cursor"] = page.next_cursor
        return cards

    async def get_card(self, card_id: uuid.UUID) -> Card:
        return await self._json(Card, "GET", _path("cards", card_id))

    async def proof(self, card_id: uuid.UUID) -> Proof:
        return await self._json(Proof, "GET", _path("cards", card_id, "proof"))

    async def proof_png(self, card_id: uuid.UUID) -> bytes:
        response = await self._send("GET", _path("cards", card_id, "proof.png"))
        return response.content

    async def print_pdf(self, card_id: uuid.UUID) -> bytes:
        response = await self._send("GET", _path("cards", card_id, "print"))
        return response.content

    # -- arrival checklist and reminders

    async def checklist(self, card_id: uuid.UUID, language: str) -> Checklist:
        return await self._json(
            Checklist, "GET", _path("cards", card_id, "checklist"), params={"lang": language}
        )

    async def mark_done(
        self, card_id: uuid.UUID, item_id: str, *, done_on: date, evidence: str, language: str
    ) -> Checklist:
        body = {"done_on": done_on.isoformat(), "evidence": evidence}
        return await self._json(
            Checklist,
            "POST",
            _path("cards", card_id, "checklist", item_id, "done"),
            json=body,
            params={"lang": language},
        )

    async def permits(self, card_id: uuid.UUID) -> list[Permit]:
        response = await self._send("GET", _path("cards", card_id, "permits"))
        try:
            return _PERMITS.validate_json(response.content)
        except ValidationError as exc:
            raise ServiceUnavailable("unexpected answer from the service") from exc

    async def add_permit(self, card_id: uuid.UUID, *, issued_on: date, paid_until: date) -> Permit:
        """Record the patent the holder got (the service dates its payment and contract copy)."""
        body = {
            "kind": "patent",
            "issued_on": issued_on.isoformat(),
            "paid_until": paid_until.isoformat(),
        }
        return await self._json(Permit, "POST", _path("cards", card_id, "permits"), json=body)

    async def add_payment(
        self, card_id: uuid.UUID, permit_id: uuid.UUID, *, paid_on: date, months: int
    ) -> Permit:
        """A payment of whole months: the service extends the paid period."""
        body = {"paid_on": paid_on.isoformat(), "months": months}
        path = _path("cards", card_id, "permits", permit_id, "payments")
        return await self._json(Permit, "POST", path, json=body)

    async def set_muted(self, card_id: uuid.UUID, muted: bool) -> None:
        await self._send("PUT", _path("cards", card_id, "reminders"), json={"muted": muted})

    async def claim_reminders(self, limit: int = 100) -> list[Reminder]:
        batch = await self._json(ReminderBatch, "POST", "/reminders/claim", params={"limit": limit})
        return batch.items

    async def confirm_reminder(self, reminder_id: int) -> None:
        await self._send("POST", _path("reminders", reminder_id, "sent"))

    # -- course and guide

    async def course(self, language: str, card_id: uuid.UUID | None = None) -> CourseOutline:
        """The outline; with a card, only the modules taught to that card's regime."""
        params: dict[str, Any] = {"lang": language}
        if card_id is not None:
            params["card_id"] = card_id
        return await self._json(CourseOutline, "GET", "/course", params=params)

    async def module(
        self, slug: str, language: str, card_id: uuid.UUID | None = None
    ) -> ModuleContent:
        params: dict[str, Any] = {"lang": language}
        if card_id is not None:
            params["card_id"] = card_id
        return await self._json(
            ModuleContent, "GET", _path("course", "modules", slug), params=params
        )

    async def attempt(
        self, person_id: uuid.UUID, slug: str, answers: list[int], language: str
    ) -> AttemptResult:
        return await self._json(
            AttemptResult,
            "POST",
            _path("persons", person_id, "course", "modules", slug, "attempts"),
            json={"answers": answers},
            params={"lang": language},
        )

    async def answer(
        self, person_id: uuid.UUID, slug: str, question_id: str, chosen: int, language: str
    ) -> AnswerFeedback:
        """Answer one question (``chosen``: the authored option's index); the last answer
        of the quiz scores the attempt."""
        return await self._json(
            AnswerFeedback,
            "POST",
            _path(
                "persons", person_id, "course", "modules", slug, "questions", question_id, "answer"
            ),
            json={"chosen": chosen},
            params={"lang": language},
        )

    async def progress(self, person_id: uuid.UUID) -> CourseProgress:
        return await self._json(CourseProgress, "GET", _path("persons", person_id, "course"))

    async def guide(self, language: str) -> GuideOutline:
        return await self._json(GuideOutline, "GET", "/guide", params={"lang": language})

    async def guide_section(self, slug: str, language: str) -> GuideContent:
        return await self._json(
            GuideContent, "GET", _path("guide", slug), params={"lang": language}
        )

    async def glossary(self, language: str) -> Glossary:
        return await self._json(Glossary, "GET", "/glossary", params={"lang": language})

    # -- plumbing

    async def _json(self, model: type[_M], method: str, path: str, **kwargs: Any) -> _M:
        response = await self._send(method, path, **kwargs)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            log.error("unexpected %s answer from %s %s", model.__name__, method, _route(path))
            raise ServiceUnavailable("unexpected answer from the service") from exc

    async def _send(
        self, method: str, path: str, *, acting: int | None = None, **kwargs: Any
    ) -> Response:
        user = acting if acting is not None else self._acting
        if user is not None:
            kwargs["headers"] = {**(kwargs.get("headers") or {}), _ACTING: str(user)}
        if "params" in kwargs:
            kwargs["params"] = {k: str(v) for k, v in kwargs["params"].items()}
        # GETs and keyed POSTs are safe to repeat once after a dropped connection.
        for attempt in (1, 2):
            try:
                async with self._http().request(method, self._base + path, **kwargs) as answer:
                    response = Response(answer.status, await answer.read())
                break
            except TimeoutError as exc:  # aiohttp's own timeouts are TimeoutErrors too
                log.warning("service timed out: %s %s", method, _route(path))
                raise ServiceUnavailable("service timed out") from exc
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
                if attempt == 2 or not _repeatable(method, kwargs):
                    log.warning("service unreachable: %s %s", method, _route(path))
                    raise ServiceUnavailable("service unreachable") from exc
            except aiohttp.ClientError as exc:
                log.warning("service request failed: %s %s", method, _route(path))
                raise ServiceUnavailable("service request failed") from exc
        if response.is_success:
            return response
        raise _error(response, method, path)


_ACTING = "X-Telegram-User-Id"
_PERMITS = TypeAdapter(list[Permit])
_SEGMENT = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _path(*segments: object) -> str:
    """A path from segments, each escaped: what a button or a service answer carries is
    data, never a path (``../cards`` stays one segment, and a bad one is refused here)."""
    parts = []
    for segment in segments:
        text = str(segment)
        if not _SEGMENT.match(text) or text in (".", ".."):
            raise InvalidSegment("a path segment that is not an id or a slug")
        parts.append(quote(text, safe=""))
    return "/" + "/".join(parts)


class InvalidSegment(NotFound):
    """A value that cannot be part of a request path (a forged button): answered as a
    missing object, which the handlers treat as an out-of-date button."""


def _repeatable(method: str, kwargs: dict[str, Any]) -> bool:
    return method == "GET" or "Idempotency-Key" in (kwargs.get("headers") or {})


_ID = re.compile(r"^(\d+|[0-9a-fA-F-]{32,36})$")


def _route(path: str) -> str:
    """The path with ids replaced: logs name the route, never whose data it was."""
    return "/".join("{id}" if _ID.match(part) else part for part in path.split("/"))


def _field_errors(body: dict[str, Any]) -> list[FieldError]:
    raw = body.get("errors")
    errors: list[FieldError] = []
    for item in raw if isinstance(raw, list) else []:
        try:
            errors.append(FieldError.model_validate(item))
        except ValidationError:
            continue
    return errors


def _error(response: Response, method: str, path: str) -> ServiceError:
    status = response.status
    body: dict[str, Any] = {}
    try:
        parsed = json.loads(response.content)
        body = parsed if isinstance(parsed, dict) else {}
    except ValueError:
        pass
    if status == 404:
        return NotFound("not found", status=404)
    if status == 409:
        reason = body.get("reason")
        return Conflict(reason if isinstance(reason, str) else None, _field_errors(body))
    if status == 422:
        return InvalidInput(_field_errors(body) or [FieldError(field="body", reason="invalid")])
    level = logging.ERROR if status in (400, 401, 403) else logging.WARNING
    log.log(level, "service answered %s to %s %s", status, method, _route(path))
    return ServiceUnavailable(f"service answered {status}", status=status)
