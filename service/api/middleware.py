"""ASGI middleware: request ids and access logs, and a cap on request body size."""

from __future__ import annotations

import logging
import random
import time

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.metrics import Metrics
from service.core import problems
from service.core.errors import PayloadTooLarge

log = logging.getLogger("onboard.access")


class _BodyTooLarge(HTTPException):
    """Raised while the body streams in; FastAPI passes HTTPExceptions through to our handler."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body exceeds {limit} bytes.")


class RequestContext:
    """Give each request an id, cap its body, and log one line without personal data."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        large_bodies: dict[str, int] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body_bytes
        self.large_bodies = large_bodies or {}  # path -> limit, for image uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming, declared = _read_headers(scope)
        request_id = incoming or _new_id()
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}

        limit = self.large_bodies.get(scope.get("path", ""), self.max_body)
        if declared is not None and declared > limit:
            await self._too_large(send, request_id, limit)
            self._log(scope, 413, started, request_id)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not status_holder["started"]:
                await self._too_large(send, request_id, limit)
            status_holder["status"] = 413
        self._log(scope, int(status_holder["status"]), started, request_id)

    async def _too_large(self, send: Send, request_id: str, limit: int) -> None:
        too_large = PayloadTooLarge(f"The request body exceeds {limit} bytes.")
        await problems.send_raw(send, too_large, {"x-request-id": request_id})

    def _log(self, scope: Scope, status: int, started: float, request_id: str) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        elapsed = time.perf_counter() - started
        if self.metrics is not None:
            self.metrics.observe_request(str(scope.get("method")), template, status, elapsed)
        if not log.isEnabledFor(logging.INFO):
            return
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": scope.get("method"),
                # The route template (/api/v1/cards/{card_id}), never the raw path or query.
                "route": template,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )


def _new_id() -> str:
    """A request id: 128 random bits as 32 hex digits, like ``uuid4().hex`` (which reads the
    system's random source on every call: 2.4 µs here, against 0.25 µs). An id tells
    requests apart in the logs; it guards nothing. ``random`` is seeded again in a forked
    child, so workers do not repeat each other's ids."""
    return f"{random.getrandbits(128):032x}"


def _read_headers(scope: Scope) -> tuple[str | None, int | None]:
    """The client's request id when it is one we accept, and the declared body length."""
    incoming: str | None = None
    declared: int | None = None
    seen_length = False
    for name, value in scope.get("headers", []):
        if name == b"x-request-id" and incoming is None:  # the first acceptable one
            text = value.decode("latin-1")
            if 0 < len(text) <= 64 and all(c.isalnum() or c in "-_" for c in text):
                incoming = text
        elif name == b"content-length" and not seen_length:  # the first one
            seen_length = True
            try:
                declared = int(value)
            except ValueError:
                declared = None
    return incoming, declared
