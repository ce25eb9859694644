"""The FastAPI application."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from fastapi import FastAPI
from fastapi.responses import FileResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from service.accounts import service as accounts
from service.accounts.access import Action, Principal
from service.accounts.cache import PrincipalCache
from service.accounts.models import Scope
from service.accounts.routes import router as accounts_router
from service.accounts.throttle import LoginThrottle, Policy
from service.api import officer as officer_page
from service.api.deps import Authorize, UnitOfWork, public
from service.api.headers import SecurityHeaders
from service.api.health import router as health_router
from service.api.metrics import Metrics
from service.api.middleware import RequestContext
from service.api.ratelimit import BotKeys, RateLimit
from service.cards.routes import router as cards_router
from service.checklist import policy as checklist_policy
from service.checklist.routes import router as checklist_router
from service.core import files, problems
from service.core.config import Settings, SettingsError, get_settings
from service.core.db import make_engine, read_only, transaction
from service.course import content as course_content
from service.course.glossary import router as glossary_router
from service.course.routes import router as course_router
from service.privacy.routes import router as privacy_router
from service.proofs.decode import DecodeGate
from service.proofs.keys import KeyStore
from service.proofs.live import LiveCards
from service.proofs.models import MAX_OFFLINE_BATCH
from service.proofs.qr import QrCache
from service.proofs.recorder import ScanRecorder
from service.proofs.routes import public_router as proofs_public_router
from service.proofs.routes import router as proofs_router
from service.proofs.service import ProofCache
from service.reference.routes import router as reference_router
from service.stats import quotas as stats_quotas
from service.stats import rollup
from service.stats.routes import router as stats_router
from service.telegram.routes import router as telegram_router
from service.webhooks.routes import router as webhooks_router

if TYPE_CHECKING:
    from bot.webhook import WebhookApp

log = logging.getLogger("onboard.telegram")
_live_log = logging.getLogger("onboard.live")
_STATIC = Path(__file__).resolve().parent / "static"

DESCRIPTION = """
Electronic migration-card registry. Authenticate with `POST /api/v1/auth/token`
(people: bearer token) or an `X-API-Key` header (systems). Errors are
`application/problem+json` (RFC 9457) and name the field and the reason.
"""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    telegram = _telegram_webhook() if settings.bot_webhook_in_api else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.scans.start()
        app.state.course = await asyncio.to_thread(_preload_course, settings.content_dir)
        await asyncio.to_thread(app.state.live.load)
        following = asyncio.create_task(_follow_changes(app))
        # In the background: the API serves at once, however slow Telegram is to answer.
        starting = asyncio.create_task(_start_bot(telegram[1])) if telegram else None
        try:
            yield
        finally:
            if telegram is not None and starting is not None:
                await _stop_bot(telegram[1], starting)
            following.cancel()
            with suppress(asyncio.CancelledError):
                await following
            app.state.live.close()
            app.state.scans.stop()

    app = FastAPI(
        title="Onboard",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # Swagger UI is served below from files we ship (FastAPI's own pages load it from a
        # CDN and start it with an inline script, which the CSP forbids); no ReDoc.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    app.state.settings = settings
    app.state.course = None  # read at start (lifespan), or on first use (service.api.deps)
    files.secure_tree(settings.data_dir)  # 0700, its files 0600 (also an older install's)
    app.state.engine = engine or make_engine(settings.resolved_database_url)
    app.state.token_secret = settings.token_secret()
    app.state.login_throttle = LoginThrottle(
        Policy(
            max_failures=settings.login_max_failures,
            account_max_failures=settings.login_account_max_failures,
            base_seconds=settings.login_lock_base_seconds,
            cap_seconds=settings.login_lock_max_seconds,
            window_seconds=settings.login_window_seconds,
        ),
        redis_url=settings.redis_url,
    )
    app.state.keys = KeyStore(settings.resolved_proof_key_dir)
    app.state.keys.ensure()
    app.state.proof_cache = ProofCache()
    app.state.live = LiveCards(app.state.engine)
    app.state.principals = PrincipalCache(settings.auth_cache_seconds)
    app.state.qr_cache = QrCache()
    app.state.decode_gate = DecodeGate(
        slots=settings.decode_slots, wait=settings.decode_wait_seconds
    )
    app.state.metrics = Metrics()
    app.state.scans = ScanRecorder(app.state.engine, on_record=app.state.metrics.observe_verdict)
    app.state.policy = checklist_policy.load(settings.policy_dir or checklist_policy.DEFAULT_DIR)
    app.state.quotas = stats_quotas.load(
        (settings.policy_dir or checklist_policy.DEFAULT_DIR) / "quotas"
    )
    problems.install(app)
    app.include_router(health_router)
    app.include_router(accounts_router)
    app.include_router(cards_router)
    app.include_router(proofs_router)
    app.include_router(proofs_public_router)
    app.include_router(course_router)
    app.include_router(glossary_router)
    app.include_router(telegram_router)
    app.include_router(checklist_router)
    app.include_router(webhooks_router)
    app.include_router(privacy_router)
    app.include_router(stats_router)
    app.include_router(reference_router)
    if telegram is not None:
        # A route, not a mount: a mount answers its bare path with a redirect to path + "/",
        # and Telegram does not follow redirects.
        path, hook = telegram
        app.router.routes.append(Route(path, hook, include_in_schema=False))

    @app.get("/analytics", include_in_schema=False)
    @public
    async def analytics_page() -> FileResponse:
        # The Content-Security-Policy comes with every answer (service.api.headers).
        return FileResponse(_STATIC / "analytics.html", media_type="text/html; charset=utf-8")

    app.include_router(officer_page.router)
    app.mount(
        officer_page.APP_PREFIX.rstrip("/"),
        StaticFiles(directory=officer_page.APP_DIR),
        name="officer-app",
    )

    if settings.docs_enabled:

        @app.get("/docs", include_in_schema=False)
        @public
        async def docs_page() -> FileResponse:
            return FileResponse(_STATIC / "docs.html", media_type="text/html; charset=utf-8")

        # Swagger UI's files from the fastapi-offline package (pinned in requirements/).
        app.mount("/static/swagger-ui", StaticFiles(directory=_swagger_ui_dir()), name="swagger")
    # The pages' scripts and styles (the CSP allows no inline ones).
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")

    if settings.rate_limit_enabled:
        app.add_middleware(
            RateLimit,
            per_key=settings.rate_limit_per_key_per_minute,
            per_address=settings.rate_limit_per_address_per_minute,
            redis_url=settings.redis_url,
            per_bot_key=settings.rate_limit_bot_key_per_minute,
            is_bot_key=BotKeys(lambda key: _is_bot_key(app.state.engine, key)),
            trusted_proxies=settings.trusted_proxy_networks,
        )

    async def metrics_text() -> PlainTextResponse:
        body = await run_in_threadpool(app.state.metrics.render, app.state.engine, app.state.live)
        return PlainTextResponse(body, media_type="text/plain; version=0.0.4")

    # Route names, volumes and the card counts describe the registry: a key of scope
    # metrics:read (or an admin) unless the operator declares the endpoint public.
    if settings.metrics_public:

        @app.get("/metrics", include_in_schema=False)
        @public
        async def public_metrics() -> PlainTextResponse:
            return await metrics_text()

    else:

        @app.get("/metrics", include_in_schema=False)
        async def metrics(
            uow: Annotated[UnitOfWork, Authorize(Action.metrics_read)],
        ) -> PlainTextResponse:
            await uow.run(_known_caller, reads_only=True)
            return await metrics_text()

    app.add_middleware(
        RequestContext,
        metrics=app.state.metrics,
        max_body_bytes=settings.max_body_bytes,
        large_bodies={
            "/api/v1/decode": settings.max_image_bytes,
            # A batch of offline checks: up to 500 items of about 200 bytes.
            "/api/v1/scans": MAX_OFFLINE_BATCH * 512,
        },
    )
    # Outermost: every answer gets the headers, also the 413 and 429 of the layers inside.
    app.add_middleware(SecurityHeaders, hsts=settings.env == "production")
    return app


def _swagger_ui_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


async def _follow_changes(app: FastAPI) -> None:
    """Keep the in-memory trust data current: poll the change feed, sign the status list
    again when its bits changed, and read everything again now and then (see proofs.live)."""
    settings: Settings = app.state.settings
    live: LiveCards = app.state.live
    ttl = timedelta(seconds=settings.status_list_ttl_seconds)
    valid_for = timedelta(hours=settings.status_list_valid_hours)

    def step() -> None:
        full = settings.status_full_reload_seconds
        if full and time.monotonic() - live.loaded_at > full:
            live.load()
        else:
            live.sync()
        live.resign_known(
            keys=app.state.keys, issuer=settings.proof_issuer, ttl=ttl, valid_for=valid_for
        )

    def fold() -> None:
        with transaction(app.state.engine) as session:
            rollup.fold(session=session, policy=app.state.policy)

    folded = time.monotonic()
    while True:
        await asyncio.sleep(settings.status_feed_poll_seconds)
        try:
            await asyncio.to_thread(step)
        except Exception:
            # The database away for a moment: answers carry the older status_as_of meanwhile.
            _live_log.exception("could not read card changes; retrying")
        if settings.stats_fold_seconds and time.monotonic() - folded > settings.stats_fold_seconds:
            folded = time.monotonic()
            try:
                await asyncio.to_thread(fold)
            except Exception:
                _live_log.exception("could not fold the statistics roll-up; retrying later")


def _preload_course(content_dir: Path) -> course_content.Course | None:
    """Read the course before the first request needs it (0.7 s here); broken content is
    logged, and the course routes answer with an error until it is fixed."""
    try:
        return course_content.get_course(content_dir)
    except course_content.ContentError as exc:
        log.error("the course content has problems (onboard content check): %s", exc)
        return None


def _known_caller(session: Session, principal: Principal) -> None:
    """Nothing to do: the unit of work has authenticated the caller and enforced the rule."""


def _is_bot_key(engine: Engine, key: str) -> bool:
    with Session(read_only(engine)) as session:
        principal = accounts.principal_for_api_key(session=session, key=key)
    return principal is not None and Scope.bot in principal.scopes


def _telegram_webhook() -> tuple[str, WebhookApp] | None:
    """The bot's webhook endpoint and its path, when the bot's settings ask for webhook mode."""
    from bot.config import BotSettings
    from bot.config import SettingsError as BotSettingsError
    from bot.i18n import CataloguesMissing
    from bot.webhook import WebhookApp

    try:
        bot_settings = BotSettings()
    except BotSettingsError as exc:
        raise SettingsError(f"ONBOARD_BOT_WEBHOOK_IN_API is set, but: {exc}") from None
    unset = [
        name
        for name, value in (
            ("ONBOARD_BOT_WEBHOOK_URL", bot_settings.bot_webhook_url),
            ("ONBOARD_TELEGRAM_BOT_TOKEN", bot_settings.telegram_bot_token),
            ("ONBOARD_BOT_API_KEY", bot_settings.bot_api_key),
        )
        if not value
    ]
    if unset:
        log.warning(
            "ONBOARD_BOT_WEBHOOK_IN_API is set, but not %s: no Telegram webhook is served",
            ", ".join(unset),
        )
        return None
    secret = bot_settings.bot_webhook_secret
    if secret is None or not secret.get_secret_value():
        raise SettingsError(
            "ONBOARD_BOT_WEBHOOK_IN_API needs ONBOARD_BOT_WEBHOOK_SECRET: every call from "
            "Telegram is checked against it"
        )
    try:
        hook = WebhookApp.from_settings(bot_settings)
    except CataloguesMissing as exc:
        raise SettingsError(str(exc)) from None
    if bot_settings.redis_url is None:
        log.warning(
            "the bot keeps conversations in process memory: serve the API with one worker, "
            "or set ONBOARD_REDIS_URL"
        )
    # httpx logs each request's URL at INFO; the bot's URLs name Telegram accounts and cards.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    log.info("serving the Telegram webhook at %s", bot_settings.bot_webhook_path)
    return bot_settings.bot_webhook_path, hook


async def _start_bot(hook: WebhookApp) -> None:
    """Set the command menus and register the webhook with Telegram, once; the API serves on
    if that fails."""
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


async def _stop_bot(hook: WebhookApp, starting: asyncio.Task[None]) -> None:
    starting.cancel()
    with suppress(asyncio.CancelledError):
        await starting
    try:
        await hook.shutdown()  # waits for updates in progress, closes the bot's connections
    except Exception as exc:
        log.error("the Telegram bot did not stop cleanly (%s)", type(exc).__name__)
