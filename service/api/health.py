"""Liveness and readiness."""

from __future__ import annotations

import redis
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service.api.deps import EngineDep, SettingsDep, public

router = APIRouter(tags=["health"])


@router.get("/healthz")
@public
async def healthz() -> dict[str, str]:
    """The process is up (no dependency is touched)."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "A dependency is not reachable"}})
@public
def readyz(engine: EngineDep, settings: SettingsDep) -> JSONResponse:
    """The database answers, and Redis too when it is configured."""
    checks: dict[str, str] = {}
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready
        checks["database"] = "unreachable"
    redis_url = settings.redis_url
    if redis_url:
        try:
            client = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
            client.ping()
            client.close()
            checks["redis"] = "ok"
        except redis.RedisError:
            checks["redis"] = "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status_code=200 if ready else 503
    )
