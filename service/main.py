"""The FastAPI application."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI
from fastapi.responses import FileResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.accounts import service as accounts
from service.accounts.access import Action, Principal
from service.accounts.cache import PrincipalCache
from service.accounts.models import Scope
from service.accounts.routes import router as accounts_router
from service.accounts.throttle import LoginThrottle, Policy
from service.api import officer as officer_page
from service.api.deps import Authorize, MetricsDep, UnitOfWork, public
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
from service.course import snapshot as course_snapshot
from service.course.glossary import router as glossary_router
from service.course.routes import router as course_router
from service.privacy.routes import router as privacy_router
from service.proofs import gauges as proofs_gauges
from service.proofs.decode import DecodeGate
from service.proofs.hotpath import VerifyHotPath
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
from service.webhooks import gauges as webhooks_gauges
from service.webhooks.routes import router as webhooks_router

log = logging.getLogger("onboard.course")
_live_log = logging.getLogger("onboard.live")
_STATIC = Path(__file__).resolve().parent / "static"

DESCRIPTION = """
Electronic migration-card registry. Authenticate with `POST /api/v1/auth/token`
(people: bearer token) or an `X-API-Key` header (systems). Errors are
`application/problem+json` (RFC 9457) and name the field and the reason.
"""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Onboard",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=_lifespan,
        # Swagger UI is served below from files we ship (FastAPI's own pages load it from a
        # CDN and start it with an inline script, which the CSP forbids); no ReDoc.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    _wire(app, settings, engine or make_engine(settings.resolved_database_url))
    problems.install(app)
    for router in _ROUTERS:
        app.include_router(router)
    if settings.bot_webhook_in_api:
        _mount_bot(app)
    _pages(app, settings)
    _metrics_route(app, settings)
    _middleware(app, settings)
    return app


_ROUTERS = (
    health_router,
    accounts_router,
    cards_router,
    proofs_router,
    proofs_public_router,
    course_router,
    glossary_router,
    telegram_router,
    checklist_router,
    webhooks_router,
    privacy_router,
    stats_router,
    reference_router,
)


def _wire(app: FastAPI, settings: Settings, engine: Engine) -> None:
    """What requests use, made once; read through the typed dependencies of
    ``service.api.deps`` (routes never touch ``app.state``)."""
    state = app.state
    state.settings = settings
    files.secure_tree(settings.data_dir)  # 0700, its files 0600 (also an older install's)
    state.engine = engine
    state.token_secret = settings.token_secret()
    state.login_throttle = LoginThrottle(
        Policy(
            max_failures=settings.login_max_failures,
            account_max_failures=settings.login_account_max_failures,
            base_seconds=settings.login_lock_base_seconds,
            cap_seconds=settings.login_lock_max_seconds,
            window_seconds=settings.login_window_seconds,
        ),
        redis_url=settings.redis_url,
    )
    state.keys = KeyStore(settings.resolved_proof_key_dir)
    state.keys.ensure()
    state.proof_cache = ProofCache()
    state.live = LiveCards(engine)
    state.principals = PrincipalCache(settings.auth_cache_seconds)
    state.qr_cache = QrCache()
    state.decode_gate = DecodeGate(slots=settings.decode_slots, wait=settings.decode_wait_seconds)
    state.metrics = Metrics(
        gauges=(proofs_gauges.cards_by_status(state.live), webhooks_gauges.backlog(engine))
    )
    state.scans = ScanRecorder(engine, on_record=state.metrics.observe_verdict)
    policy_dir = settings.policy_dir or checklist_policy.DEFAULT_DIR
    state.policy = checklist_policy.load(policy_dir)
    state.quotas = stats_quotas.load(policy_dir / "quotas")
    state.course = None  # read at start (lifespan), or on first use (service.api.deps)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    _settle_heap()
    app.state.scans.start()
    app.state.course = await asyncio.to_thread(_preload_course, settings.content_dir)
    await asyncio.to_thread(app.state.live.load)
    following = asyncio.create_task(_follow_changes(app))
    try:
        yield
    finally:
        following.cancel()
        with suppress(asyncio.CancelledError):
            await following
        app.state.live.close()
        app.state.scans.stop()


def _settle_heap() -> None:
    """The modules and the app (about 200,000 objects) live as long as the process: collect
    once, then leave them out of later collections. Otherwise each full collection walks them
    all, 110-150 ms of CPU holding the GIL (measured on the 2-core host), which a request
    arriving meanwhile waits out: about once a minute per worker under load, and about ten
    times while a worker loads the cards at start, beside the other worker's requests. Once
    per process: a test process starting many apps freezes only at the first."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


def _mount_bot(app: FastAPI) -> None:
    """The bot's webhook in this process (ONBOARD_BOT_WEBHOOK_IN_API): see ``bot.webhook``."""
    from bot import webhook

    try:
        webhook.mount(app)
    except webhook.NotConfigured as exc:
        raise SettingsError(str(exc)) from None


def _pages(app: FastAPI, settings: Settings) -> None:
    """The analytics and officer pages, Swagger UI, and their static files."""

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


def _metrics_route(app: FastAPI, settings: Settings) -> None:
    """Route names, volumes and the card counts describe the registry: a key of scope
    metrics:read (or an admin) unless the operator declares the endpoint public."""

    async def metrics_text(metrics: Metrics) -> PlainTextResponse:
        body = await run_in_threadpool(metrics.render)
        return PlainTextResponse(body, media_type="text/plain; version=0.0.4")

    if settings.metrics_public:

        @app.get("/metrics", include_in_schema=False)
        @public
        async def public_metrics(metrics: MetricsDep) -> PlainTextResponse:
            return await metrics_text(metrics)

    else:

        @app.get("/metrics", include_in_schema=False)
        async def metrics(
            uow: Annotated[UnitOfWork, Authorize(Action.metrics_read)], metrics: MetricsDep
        ) -> PlainTextResponse:
            await uow.run(_known_caller, reads_only=True)
            return await metrics_text(metrics)


def _middleware(app: FastAPI, settings: Settings) -> None:
    engine: Engine = app.state.engine
    # Innermost, where the router is: inside the limits, the request id and the headers.
    app.add_middleware(VerifyHotPath)
    if settings.rate_limit_enabled:
        app.add_middleware(
            RateLimit,
            per_key=settings.rate_limit_per_key_per_minute,
            per_address=settings.rate_limit_per_address_per_minute,
            redis_url=settings.redis_url,
            per_bot_key=settings.rate_limit_bot_key_per_minute,
            is_bot_key=BotKeys(lambda key: _is_bot_key(engine, key)),
            trusted_proxies=settings.trusted_proxy_networks,
        )
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

    def refresh_course_stats() -> None:
        course = app.state.course
        if course is not None:
            with transaction(app.state.engine) as session:
                course_snapshot.refresh_if_stale(
                    session=session,
                    version=course.version,
                    refresh_seconds=settings.stats_refresh_seconds,
                )

    folded = refreshed = time.monotonic()
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
        # The /stats/course snapshot (0: every answer is exact, nothing to keep fresh here).
        every = settings.stats_refresh_seconds / 10
        if every and time.monotonic() - refreshed > every:
            refreshed = time.monotonic()
            try:
                await asyncio.to_thread(refresh_course_stats)
            except Exception:
                _live_log.exception("could not refresh the course statistics; retrying later")


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
