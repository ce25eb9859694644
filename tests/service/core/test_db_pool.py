"""PostgreSQL connections in the pool: one that sat idle is pinged before use and replaced
when its server side is gone; one in steady use is not pinged (a round trip per request)."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import text

from service.core import db

PG_URL = os.environ.get("ONBOARD_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not PG_URL, reason="needs ONBOARD_TEST_POSTGRES_URL")


def _backend(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_dropped_while_idle_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    assert PG_URL
    monkeypatch.setattr(db, "_PING_AFTER_IDLE_SECONDS", 0.05)
    engine, admin = db.make_engine(PG_URL), db.make_engine(PG_URL)
    try:
        first = _backend(engine)  # back in the pool now
        with admin.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        time.sleep(0.2)
        assert _backend(engine) != first  # no error: the dead connection was replaced
    finally:
        engine.dispose()
        admin.dispose()


def test_a_connection_in_steady_use_is_not_pinged(monkeypatch: pytest.MonkeyPatch) -> None:
    assert PG_URL
    engine = db.make_engine(PG_URL)
    pings = []
    real = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(1) or real(c))
    try:
        backends = {_backend(engine) for _ in range(20)}
        assert len(backends) == 1 and pings == []
    finally:
        engine.dispose()
