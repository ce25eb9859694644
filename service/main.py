"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from service.accounts.routes import router as accounts_router
from service.api.health import router as health_router
from service.api.middleware import RequestContext
from service.cards.routes import router as cards_router
from service.core import problems
from service.core.config import Settings, get_settings
from service.core.db import make_engine
from service.core.ratelimit import FailureWindow

DESCRIPTION = """
Electronic migration-card registry. Authenticate with `POST /api/v1/auth/token`
(people: bearer token) or an `X-API-Key` header (systems). Errors are
`application/problem+json` (RFC 9457) and name the field and the reason.
"""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Onboard", version="1.0.0", description=DESCRIPTION)
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.resolved_database_url)
    app.state.token_secret = settings.token_secret()
    app.state.login_failures = FailureWindow(
        max_failures=settings.login_max_failures, window_seconds=settings.login_window_seconds
    )
    problems.install(app)
    app.include_router(health_router)
    app.include_router(accounts_router)
    app.include_router(cards_router)
    app.add_middleware(RequestContext, max_body_bytes=settings.max_body_bytes)
    return app
