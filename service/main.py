"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, PlainTextResponse
from sqlalchemy.engine import Engine

from service.accounts.routes import router as accounts_router
from service.api.health import router as health_router
from service.api.metrics import Metrics
from service.api.middleware import RequestContext
from service.api.ratelimit import RateLimit
from service.cards.routes import router as cards_router
from service.checklist import policy as checklist_policy
from service.checklist.routes import router as checklist_router
from service.core import problems
from service.core.config import Settings, get_settings
from service.core.db import make_engine
from service.core.ratelimit import FailureWindow
from service.course.routes import router as course_router
from service.privacy.routes import router as privacy_router
from service.proofs.keys import KeyStore
from service.proofs.qr import QrCache
from service.proofs.recorder import ScanRecorder
from service.proofs.routes import public_router as proofs_public_router
from service.proofs.routes import router as proofs_router
from service.proofs.service import ProofCache
from service.stats.routes import router as stats_router
from service.telegram.routes import router as telegram_router
from service.webhooks.routes import router as webhooks_router

_STATIC = Path(__file__).resolve().parent / "static"

DESCRIPTION = """
Electronic migration-card registry. Authenticate with `POST /api/v1/auth/token`
(people: bearer token) or an `X-API-Key` header (systems). Errors are
`application/problem+json` (RFC 9457) and name the field and the reason.
"""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.scans.start()
        yield
        app.state.scans.stop()

    app = FastAPI(title="Onboard", version="1.0.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.resolved_database_url)
    app.state.token_secret = settings.token_secret()
    app.state.login_failures = FailureWindow(
        max_failures=settings.login_max_failures, window_seconds=settings.login_window_seconds
    )
    app.state.keys = KeyStore(settings.resolved_proof_key_dir)
    app.state.keys.ensure()
    app.state.proof_cache = ProofCache()
    app.state.qr_cache = QrCache()
    app.state.metrics = Metrics()
    app.state.scans = ScanRecorder(app.state.engine, on_record=app.state.metrics.observe_verdict)
    app.state.policy = checklist_policy.load(settings.policy_dir or checklist_policy.DEFAULT_DIR)
    problems.install(app)
    app.include_router(health_router)
    app.include_router(accounts_router)
    app.include_router(cards_router)
    app.include_router(proofs_router)
    app.include_router(proofs_public_router)
    app.include_router(course_router)
    app.include_router(telegram_router)
    app.include_router(checklist_router)
    app.include_router(webhooks_router)
    app.include_router(privacy_router)
    app.include_router(stats_router)

    @app.get("/analytics", include_in_schema=False)
    async def analytics_page() -> FileResponse:
        return FileResponse(_STATIC / "analytics.html", media_type="text/html; charset=utf-8")

    @app.get("/officer", include_in_schema=False)
    async def officer_page() -> FileResponse:
        return FileResponse(_STATIC / "officer.html", media_type="text/html; charset=utf-8")

    if settings.rate_limit_enabled:
        app.add_middleware(
            RateLimit,
            per_key=settings.rate_limit_per_key_per_minute,
            per_address=settings.rate_limit_per_address_per_minute,
            redis_url=settings.redis_url,
        )

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> PlainTextResponse:
        body = app.state.metrics.render(app.state.engine)
        return PlainTextResponse(body, media_type="text/plain; version=0.0.4")

    app.add_middleware(
        RequestContext,
        metrics=app.state.metrics,
        max_body_bytes=settings.max_body_bytes,
        large_bodies={"/api/v1/decode": settings.max_image_bytes},
    )
    return app
