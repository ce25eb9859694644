"""``POST /api/v1/verify`` with a proof, answered in front of FastAPI's router.

Profiled in process (one app, SQLite, 2026-12-02): a verification cost about 350 µs of CPU,
of which FastAPI's routing through the included routers took about 55 µs, solving the
route's dependencies (three credential schemes, the unit of work, the trust objects, the
body) about 75 µs, and the ECDSA check itself about 57 µs. This layer answers the requests
the route would answer 200 to, with the route's own function (``routes.answer_proof``): a
body of ``Content-Length`` bytes typed ``application/json`` that is a valid ``VerifyIn`` with
a payload, from a caller the short-lived cache remembers and whose role or scopes allow
verification (``deps.remembered_caller``, asked before the body is read and again after).
Every other request (a typed number, a body the route would refuse, a caller not in the
cache or refused, the bot acting for a user, a body sent in chunks) goes on to the route as
it came, with the messages already read replayed, so the OpenAPI document, the access rule
and every error answer stay the route's. It sits inside the rate limiter, the request id and
access log, the body cap and the security headers, as the router does.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.deps import remembered_caller, trust_of
from service.core.errors import OnboardError
from service.proofs import routes
from service.proofs.models import VerifyIn

# A message of our own in the replayed list: an error that ``receive`` raised (see _messages).
_RECEIVE_ERROR = "onboard.receive.error"


class VerifyHotPath:
    """ASGI middleware: the proof verifications FastAPI's route would answer, answered here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.route = _verify_route()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != routes.VERIFY_PATH
            or scope.get("root_path")
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        principal = None
        if _json_with_length(request.headers):
            principal = await remembered_caller(request, routes.VERIFY_RULE)
        if principal is None:
            await self.app(scope, receive, send)
            return
        read = await _messages(receive)
        payload = _payload(read)
        if payload is not None:
            # Asked again now that the body is in, as the route asks after reading it: a body
            # sent slowly does not stretch the bound on a disabled account or a token's expiry.
            principal = await remembered_caller(request, routes.VERIFY_RULE)
        if payload is None or principal is None:
            await self.app(scope, _replay(read, receive), send)
            return
        try:
            response = routes.answer_proof(trust_of(scope["app"].state), principal, payload)
        except OnboardError:  # e.g. a key file that cannot be read: the route answers it
            await self.app(scope, _replay(read, receive), send)
            return
        # What the router would have set: the access log and metrics name the route.
        scope.update(route=self.route, endpoint=routes.verify, path_params={})
        await response(scope, receive, send)


def _verify_route() -> BaseRoute:
    for route in routes.router.routes:
        if getattr(route, "endpoint", None) is routes.verify:
            assert getattr(route, "path", None) == routes.VERIFY_PATH, route
            return route
    raise RuntimeError("the proofs router has no verify route")


def _json_with_length(headers: Headers) -> bool:
    """A body the route reads as JSON (``application/json``, parameters allowed) whose
    length was declared (the request-size cap has checked it; a longer body, framed in
    chunks as well, meets the cap while read: see ``_messages``)."""
    content_type = headers.get("content-type", "")
    return (
        content_type == "application/json" or content_type.startswith("application/json;")
    ) and "content-length" in headers


async def _messages(receive: Receive) -> list[Message]:
    """The request's messages up to the end of its body (or a disconnect). An error raised
    while reading (the body cap's 413, for a body longer than its declared length) is kept
    as the last message, so the route meets it where it would have (``_replay``)."""
    read: list[Message] = []
    while True:
        try:
            message = await receive()
        except Exception as error:  # noqa: BLE001 - the route's to answer
            read.append({"type": _RECEIVE_ERROR, "error": error})
            return read
        read.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return read


def _payload(read: list[Message]) -> str | None:
    """The proof, when the body is what the route would accept with a payload (decoded and
    validated as FastAPI does it: ``json.loads``, then the model); else None."""
    if any(m["type"] != "http.request" for m in read):
        return None
    body = b"".join(m.get("body", b"") for m in read)
    if not body:
        return None
    try:
        data = VerifyIn.model_validate(json.loads(body))
    except Exception:  # noqa: BLE001 - whatever it is, the route answers it as it does
        return None
    return data.payload


def _replay(read: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that gives the messages already read (raising an error met while
    reading them, where it was met), then the connection's own."""
    pending = list(read)

    async def replay() -> Message:
        if pending:
            message = pending.pop(0)
            if message["type"] == _RECEIVE_ERROR:
                raise message["error"]
            return message
        return await receive()

    return replay
