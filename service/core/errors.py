"""The domain's exception hierarchy, mapped once to RFC 9457 problem+json responses.

Titles are marked with ``N_`` and translated per request (see ``service.core.i18n``).
"""

from __future__ import annotations

from typing import Any

from service.core.i18n import N_

PROBLEM_BASE = "https://onboard.example/problems/"


class OnboardError(Exception):
    """Base of every error the service reports to a client on purpose.

    A subclass states its HTTP status, its stable problem code and its title, either as
    class attributes or as class arguments: ``class Gone(OnboardError, status=410, ...)``.
    """

    status = 400
    code = "bad-request"
    title = N_("Bad request")

    def __init_subclass__(
        cls, *, status: int | None = None, code: str | None = None, title: str | None = None
    ) -> None:
        super().__init_subclass__()
        for name, value in (("status", status), ("code", code), ("title", title)):
            if value is not None:
                setattr(cls, name, value)

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra

    def to_problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        body.update(self.extra)
        return body


_INVALID = N_("The request has invalid fields")


class InvalidInput(OnboardError, status=422, code="validation-error", title=_INVALID):
    pass


class BadRequest(OnboardError, code="bad-request", title=N_("The request cannot be read")):
    pass


class NotAuthenticated(
    OnboardError, status=401, code="not-authenticated", title=N_("Authentication required")
):
    pass


class Forbidden(
    OnboardError, status=403, code="forbidden", title=N_("Not allowed for this account")
):
    pass


class NotFound(OnboardError, status=404, code="not-found", title=N_("Not found")):
    pass


class Conflict(
    OnboardError, status=409, code="conflict", title=N_("Conflicts with the current state")
):
    pass


class IllegalTransition(
    Conflict,
    code="illegal-transition",
    title=N_("This change is not allowed in the card's current status"),
):
    pass


class IdempotencyMismatch(
    InvalidInput,
    code="idempotency-key-reused",
    title=N_("Idempotency-Key was already used with a different request"),
):
    pass


class PayloadTooLarge(
    OnboardError, status=413, code="payload-too-large", title=N_("Request body too large")
):
    pass


class UnsupportedMediaType(
    OnboardError, status=415, code="unsupported-media-type", title=N_("Unsupported media type")
):
    pass


class _RetryLater(OnboardError):
    """An answer that tells the client when to try again (the Retry-After header)."""

    def __init__(self, detail: str | None = None, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after


class TooManyRequests(
    _RetryLater, status=429, code="too-many-requests", title=N_("Too many requests")
):
    pass


class ServiceBusy(
    _RetryLater, status=503, code="busy", title=N_("The server is busy; try again shortly")
):
    """The server is at capacity for this kind of work; the client may retry shortly."""


def field_error(field: str, reason: str) -> InvalidInput:
    """An InvalidInput naming one field, in the same shape as request validation errors."""
    return InvalidInput(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


class FieldValueError(ValueError):
    """A model-level check about one field (pydantic reports it at the model's place):
    ``path`` is that field's place inside the model ("planned_stay.from"), added to the
    error's location in problem+json so clients map it by field, never by its wording."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
