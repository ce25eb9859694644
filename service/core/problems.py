"""RFC 9457 problem+json: the one place errors become HTTP responses."""

from __future__ import annotations

import json
import logging
import re
import weakref
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.core import i18n
from service.core.errors import (
    PROBLEM_BASE,
    FieldValueError,
    OnboardError,
    ServiceBusy,
    TooManyRequests,
)
from service.core.i18n import N_

PROBLEM_TYPE = "application/problem+json"
log = logging.getLogger("onboard.errors")


class FieldProblem(BaseModel):
    field: str
    reason: str


class Problem(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = None


def _doc(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "model": Problem,
        "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


# Documented on every API route so clients (and contract tests) know the error shape.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("The request cannot be read"),
    401: _doc("Authentication required"),
    403: _doc("Not allowed for this account"),
    404: _doc("Not found"),
    409: _doc("Conflicts with the current state"),
    413: _doc("Request body too large"),
    422: _doc("Invalid fields"),
    429: _doc("Too many requests"),
}
# Documented only on the routes that can answer them.
UPLOAD_PROBLEMS: dict[int | str, dict[str, Any]] = {
    415: _doc("Unsupported media type"),
    503: _doc("Busy: retry after Retry-After seconds"),
}


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts).replace("from_", "from") or "body"


def _location(err: dict[str, Any]) -> str:
    """The field an error is about; a model-level check names its field itself."""
    loc = tuple(err.get("loc", ()))
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldValueError):
        loc += tuple(cause.path.split("."))
    return _field_name(loc)


def _reason(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "is invalid"))
    return msg.removeprefix("Value error, ")


async def _on_onboard_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OnboardError)
    headers: dict[str, str] = {}
    if isinstance(exc, TooManyRequests | ServiceBusy):
        headers["Retry-After"] = str(exc.retry_after)
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return problem_response(exc.status, _translated(request, exc.to_problem()), headers)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _location(e), "reason": _reason(e)} for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
    return problem_response(
        422,
        _translated(
            request,
            {
                "type": PROBLEM_BASE + "validation-error",
                "title": N_("The request has invalid fields"),
                "status": 422,
                "detail": detail,
                "errors": errors,
            },
        ),
    )


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    known = {
        404: (N_("Not found"), "not-found"),
        405: (N_("Method not allowed"), "method-not-allowed"),
        413: (N_("Request body too large"), "payload-too-large"),
    }
    title, code = known.get(exc.status_code, (N_("HTTP error"), "http-error"))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(
        exc.status_code,
        _translated(
            request,
            {
                "type": PROBLEM_BASE + code,
                "title": title,
                "status": exc.status_code,
                "detail": str(exc.detail),
            },
        ),
        headers,
    )


# Per app (tests build several), made on the first 405.
_ALLOWED: weakref.WeakKeyDictionary[Any, list[tuple[re.Pattern[str], list[str]]]] = (
    weakref.WeakKeyDictionary()
)


def _allowed_methods(request: Request) -> list[str]:
    """Every method the path supports (Starlette lists only the first matching route's)."""
    app = request.app
    table = _ALLOWED.get(app)
    if table is None:
        table = []
        # Literal paths before templated ones, so a literal segment is not read as an id.
        paths = sorted(app.openapi().get("paths", {}).items(), key=lambda p: p[0].count("{"))
        for path, ops in paths:
            pattern = re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$")
            table.append((pattern, sorted(m.upper() for m in ops)))
        _ALLOWED[app] = table
    for pattern, methods in table:
        if pattern.match(request.url.path):
            return methods
    return []


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    log.exception("unhandled error", extra={"request_id": request_id})
    return problem_response(
        500,
        _translated(
            request,
            {
                "type": PROBLEM_BASE + "internal-error",
                "title": N_("Internal error"),
                "status": 500,
                "detail": "The server could not complete the request; nothing was saved.",
                "request_id": request_id,
            },
        ),
    )


def _translated(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """The problem with its title in the client's language (Accept-Language), if we have it."""
    language = i18n.negotiate(request.headers.get("accept-language"))
    if language is not None:
        body["title"] = i18n.translate(body["title"], language)
    return body


async def send_raw(send: Any, error: OnboardError, headers: dict[str, str]) -> None:
    """A problem answered by an ASGI middleware, below FastAPI's exception handlers (413 for
    an oversized body, 429 for the rate limit); its title untranslated."""
    body = json.dumps(
        {
            "type": PROBLEM_BASE + error.code,
            "title": error.title,
            "status": error.status,
            "detail": error.detail,
        }
    ).encode()
    fields = {"content-type": "application/problem+json", **headers}
    fields["content-length"] = str(len(body))
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [(k.encode(), v.encode()) for k, v in fields.items()],
        }
    )
    await send({"type": "http.response.body", "body": body})


def install(app: FastAPI) -> None:
    app.add_exception_handler(OnboardError, _on_onboard_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
