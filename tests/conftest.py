"""Fixtures: a fresh database per test on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.core import clock
from service.core.config import Settings
from service.core.db import make_engine, read_only
from service.core.migrate import upgrade
from service.main import create_app
from tests import factories

PG_URL = os.environ.get("ONBOARD_TEST_POSTGRES_URL")


BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


_TABLES = (
    "permit_payment, permit, "
    "archive_import, webhook_delivery, webhook_endpoint, outbox_event, reminder_record, "
    "reminder_mute, checklist_done, telegram_profile, scan_event, card_event, course_answer, "
    "course_attempt, "
    "course_completion, card, person, idempotency_record, api_key, app_user, card_stats_daily, "
    "stats_monthly, stats_outcome, stats_card, stats_rollup_state, course_stats_snapshot"
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "onboard.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    assert PG_URL, "ONBOARD_TEST_POSTGRES_URL is not set"
    upgrade(PG_URL)
    engine = make_engine(PG_URL)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database; the same test runs once per backend."""
    if request.param == "sqlite":
        path = tmp_path / "onboard.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    engine = request.getfixturevalue("pg_engine")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE card_serial SET next_value = 1"))
        conn.execute(text("ALTER SEQUENCE card_serial_seq RESTART WITH 1"))
        conn.execute(text("UPDATE card_stats_state SET folded_through = NULL, folded_at = NULL"))
    assert PG_URL
    return PG_URL


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        env="development",
        data_dir=tmp_path / "data",
        database_url=db_url,
        secret_key="x" * 40,
        # /stats/course exact after every attempt (its snapshot is tested on its own).
        stats_refresh_seconds=0,
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app(settings: Settings, engine: Engine):  # type: ignore[no-untyped-def]
    return create_app(settings, engine)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(read_only(engine)) as s:
        yield s


@pytest.fixture
def actors(engine: Engine) -> factories.Actors:
    """One account per role and one API key per scope, ready as request headers."""
    return factories.make_actors(engine)


@pytest.fixture
def fixed_clock() -> Iterator[factories.Clock]:
    fake = factories.Clock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    clock.set_clock(fake.now)
    yield fake
    clock.set_clock(None)
