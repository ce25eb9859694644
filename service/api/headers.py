"""Security headers on every response: a strict Content-Security-Policy (no inline script or
style: pages load their code from /static), no framing, no MIME sniffing, no Referer, and
HSTS in production. API answers are not stored by any cache (``Cache-Control: no-store``:
they carry cards, verdicts with the holder's name, tokens) unless the route says otherwise,
as the status list does."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        # WebAssembly (a QR decoder in the officer page) may compile; nothing else is eval'd.
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    )
)
HSTS = "max-age=63072000; includeSubDomains"


class SecurityHeaders:
    """Add the headers to each response (after the app set its own, which win)."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        headers = [
            (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
        ]
        if hsts:
            headers.append((b"strict-transport-security", HSTS.encode()))
        self.headers = headers
        self.api_headers = [*headers, (b"cache-control", b"no-store")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        ours = self.api_headers if scope["path"].startswith("/api/") else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in ours if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
