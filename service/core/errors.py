"""The domain's exception hierarchy, mapped once to RFC 9457 problem+json responses.

Titles are marked with ``N_`` and translated per request (see ``service.core.i18n``).
"""

from __future__ import annotations

from typing import Any

from service.core.i18n import N_

PROBLEM_BASE = "https://onboard.example/problems/"


class OnboardError(Exception):
    """Base of every error the service reports to a client on purpose."""

    status = 400
    code = "bad-request"
    title = N_("Bad request")

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


class InvalidInput(OnboardError):
    status = 422
    code = "validation-error"
    title = N_("The request has invalid fields")


class BadRequest(OnboardError):
    status = 400
    code = "bad-request"
    title = N_("The request cannot be read")


class NotAuthenticated(OnboardError):
    status = 401
    code = "not-authenticated"
    title = N_("Authentication required")


class Forbidden(OnboardError):
    status = 403
    code = "forbidden"
    title = N_("Not allowed for this account")


class NotFound(OnboardError):
    status = 404
    code = "not-found"
    title = N_("Not found")


class Conflict(OnboardError):
    status = 409
    code = "conflict"
    title = N_("Conflicts with the current state")


class IllegalTransition(Conflict):
    code = "illegal-transition"
    title = N_("This change is not allowed in the card's current status")


class IdempotencyMismatch(InvalidInput):
    code = "idempotency-key-reused"
    title = N_("Idempotency-Key was already used with a different request")


class PayloadTooLarge(OnboardError):
    status = 413
    code = "payload-too-large"
    title = N_("Request body too large")


class UnsupportedMediaType(OnboardError):
    status = 415
    code = "unsupported-media-type"
    title = N_("Unsupported media type")


class TooManyRequests(OnboardError):
    status = 429
    code = "too-many-requests"
    title = N_("Too many requests")

    def __init__(self, detail: str | None = None, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after


class ServiceBusy(OnboardError):
    """The server is at capacity for this kind of work; the client may retry shortly."""

    status = 503
    code = "busy"
    title = N_("The server is busy; try again shortly")

    def __init__(self, detail: str | None = None, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after


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
