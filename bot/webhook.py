"""Webhook mode: Telegram POSTs updates to us; the secret token is checked on every call.

Two ways to serve it:

* ``WebhookApp`` is a plain ASGI application, to mount into the FastAPI app (or run under
  any ASGI server). Mounted sub-applications get no lifespan events, so the host calls
  ``startup()`` and ``shutdown()`` from its own lifespan::

      hook = WebhookApp.from_settings(BotSettings())
      app.router.routes.append(Route("/telegram/webhook", hook))  # ONBOARD_BOT_WEBHOOK_URL
      # in the lifespan: await hook.startup() ... await hook.shutdown()

  A ``Route``, not ``app.mount()``: a mount answers its bare path with a redirect to the path
  plus "/", which Telegram does not follow. ``mount(app)`` does all this for a Starlette or
  FastAPI app (``service.main`` calls it when ONBOARD_BOT_WEBHOOK_IN_API is set).

* ``aiohttp_app()`` is a standalone aiohttp application (``python -m bot`` in webhook mode),
  built on aiogram's own request handler.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager, suppress
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from pydantic import ValidationError

from bot.app import build_api, build_bot, build_dispatcher
from bot.config import BotSettings, SettingsError
from bot.i18n import CataloguesMissing

log = logging.getLogger("onboard.bot")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
_MAX_BODY = 1024 * 1024

Scope = MutableMapping[str, Any]
Receive = Any
Send = Any


def _secret(settings: BotSettings) -> str:
    if settings.bot_webhook_secret is None:
        raise ValueError("webhook mode needs ONBOARD_BOT_WEBHOOK_SECRET")
    return settings.bot_webhook_secret.get_secret_value()


def webhook_url(settings: BotSettings) -> str:
    assert settings.bot_webhook_url
    return settings.bot_webhook_url


class WebhookApp:
    """An ASGI endpoint: POST an Update with the right secret header → 200, else 401/4xx.

    Updates are handled in the background (Telegram only needs the 200), one task each.
    """

    def __init__(
        self, bot: Bot, dispatcher: Dispatcher, secret_token: str, *, url: str | None = None
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.secret_token = secret_token
        self.url = url
        self._tasks: set[asyncio.Task[Any]] = set()

    @classmethod
    def from_settings(cls, settings: BotSettings) -> WebhookApp:
        api = build_api(settings)
        return cls(
            build_bot(settings),
            build_dispatcher(settings, api),
            _secret(settings),
            url=settings.bot_webhook_url,
        )

    async def startup(self) -> None:
        """Register the webhook with Telegram and set the command menus."""
        await self.dispatcher.emit_startup(
            bot=self.bot, dispatcher=self.dispatcher, **self.dispatcher.workflow_data
        )
        if self.url:
            await self.bot.set_webhook(
                self.url,
                secret_token=self.secret_token,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
            )

    async def shutdown(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.dispatcher.emit_shutdown(
            bot=self.bot, dispatcher=self.dispatcher, **self.dispatcher.workflow_data
        )
        await self.bot.session.close()

    def verify(self, header: str | None) -> bool:
        return header is not None and secrets.compare_digest(
            header.encode(), self.secret_token.encode()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["method"] != "POST":
            await _respond(send, 405)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if not self.verify(headers.get(SECRET_HEADER.lower())):
            log.warning("webhook call with a wrong or missing secret token")
            await _respond(send, 401)
            return
        body = await _read_body(receive)
        if body is None:
            await _respond(send, 413)
            return
        try:
            update = Update.model_validate(json.loads(body), context={"bot": self.bot})
        except (ValueError, ValidationError):
            await _respond(send, 400)
            return
        task = asyncio.create_task(self.dispatcher.feed_update(self.bot, update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await _respond(send, 200)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _respond(send: Send, status: int) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def aiohttp_app(settings: BotSettings) -> web.Application:
    """A standalone aiohttp application serving the webhook at ONBOARD_BOT_WEBHOOK_PATH."""
    api = build_api(settings)
    bot = build_bot(settings)
    dispatcher = build_dispatcher(settings, api)
    secret = _secret(settings)
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token=secret).register(
        app, path=settings.bot_webhook_path
    )
    setup_application(app, dispatcher, bot=bot)

    async def register(_: web.Application) -> None:
        await bot.set_webhook(
            webhook_url(settings),
            secret_token=secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
        )

    app.on_startup.append(register)
    return app


class NotConfigured(RuntimeError):
    """The host asks for the webhook, but the bot's settings cannot serve it."""


def mount(app: Any, settings: BotSettings | None = None) -> WebhookApp | None:
    """Serve the webhook inside a Starlette (or FastAPI) app: a route at
    ONBOARD_BOT_WEBHOOK_PATH; once the app has started, the webhook registered with Telegram
    in the background (the app serves at once, however slow Telegram is to answer); the bot
    stopped before the app. None, with a warning, while the URL, the token or the API key is
    not set; NotConfigured when a setting is wrong."""
    from starlette.routing import Route

    settings = _settings_to_mount(settings)
    if settings is None:
        return None
    try:
        hook = WebhookApp.from_settings(settings)
    except CataloguesMissing as exc:
        raise NotConfigured(str(exc)) from None
    if settings.redis_url is None:
        log.warning(
            "the bot keeps conversations in process memory: serve the API with one worker, "
            "or set ONBOARD_REDIS_URL"
        )
    # httpx logs each request's URL at INFO; the bot's URLs name Telegram accounts and cards.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    app.router.routes.append(Route(settings.bot_webhook_path, hook, include_in_schema=False))
    _run_with(app, hook)
    log.info("serving the Telegram webhook at %s", settings.bot_webhook_path)
    return hook


def _settings_to_mount(settings: BotSettings | None) -> BotSettings | None:
    try:
        settings = settings or BotSettings()
    except SettingsError as exc:
        raise NotConfigured(f"ONBOARD_BOT_WEBHOOK_IN_API is set, but: {exc}") from None
    unset = [
        name
        for name, value in (
            ("ONBOARD_BOT_WEBHOOK_URL", settings.bot_webhook_url),
            ("ONBOARD_TELEGRAM_BOT_TOKEN", settings.telegram_bot_token),
            ("ONBOARD_BOT_API_KEY", settings.bot_api_key),
        )
        if not value
    ]
    if unset:
        log.warning(
            "ONBOARD_BOT_WEBHOOK_IN_API is set, but not %s: no Telegram webhook is served",
            ", ".join(unset),
        )
        return None
    secret = settings.bot_webhook_secret
    if secret is None or not secret.get_secret_value():
        raise NotConfigured(
            "ONBOARD_BOT_WEBHOOK_IN_API needs ONBOARD_BOT_WEBHOOK_SECRET: every call from "
            "Telegram is checked against it"
        )
    return settings


def _run_with(app: Any, hook: WebhookApp) -> None:
    """Start the bot after the app's own start-up and stop it before the app's shut-down
    (mounted applications get no lifespan events of their own)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(host: Any) -> AsyncIterator[Any]:
        async with inner(host) as state:
            starting = asyncio.create_task(_start(hook))
            try:
                yield state
            finally:
                await _stop(hook, starting)

    app.router.lifespan_context = lifespan


async def _start(hook: WebhookApp) -> None:
    """Set the command menus and register the webhook with Telegram, once; the host serves
    on if that fails."""
    try:
        await hook.startup()
    except Exception as exc:
        # The token is in Telegram's URLs, and some errors quote the URL.
        reason = str(exc).replace(hook.bot.token, "<token>")
        log.error(
            "could not register the Telegram webhook (%s: %s); Telegram keeps any earlier "
            "registration, restart the API to retry",
            type(exc).__name__,
            reason,
        )
    else:
        log.info("Telegram webhook registered")


async def _stop(hook: WebhookApp, starting: asyncio.Task[None]) -> None:
    starting.cancel()
    with suppress(asyncio.CancelledError):
        await starting
    try:
        await hook.shutdown()  # waits for updates in progress, closes the bot's connections
    except Exception as exc:
        log.error("the Telegram bot did not stop cleanly (%s)", type(exc).__name__)
