"""Settings, the generated secret, SQLite defaults, and migrations on both databases."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import service.accounts.models  # noqa: F401
import service.archive.models  # noqa: F401
import service.cards.models  # noqa: F401
import service.checklist.models  # noqa: F401
import service.course.models  # noqa: F401
import service.proofs.models  # noqa: F401
import service.stats.models  # noqa: F401
import service.telegram.models  # noqa: F401
import service.webhooks.models  # noqa: F401
from service.core.config import Settings, SettingsError
from service.core.db import make_engine
from service.reference.translit import to_icao_latin


def test_secret_is_generated_once_into_the_data_dir(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, secret_key=None)
    first = s.token_secret()
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32 and Settings(data_dir=tmp_path).token_secret() == first


@pytest.mark.parametrize("value", ["changeme", "secret", "short-but-real"])
def test_placeholder_secret_refused_in_production(value: str) -> None:
    with pytest.raises(SettingsError):
        Settings(env="production", secret_key=value)
    Settings(env="development", secret_key=value)  # allowed while developing


def test_environment_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ONBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ONBOARD_ENV", "production")
    monkeypatch.setenv("ONBOARD_SECRET_KEY", "k" * 48)
    s = Settings()
    assert s.env == "production" and s.data_dir == tmp_path
    assert s.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/onboard.db"


def test_sqlite_default_uses_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.db")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_migrations_match_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == []


@pytest.mark.parametrize(
    ("native", "latin"),
    [
        ("Щукин", "SHCHUKIN"),
        ("Ёлкина-Юрьева", "ELKINA-IUREVA"),
        ("Қайрат", "KAIRAT"),
        ("Oʻgʻilxon", "OGILXON"),
        ("Ғафуров", "GAFUROV"),
        ("Жұмабек", "ZHUMABEK"),
        ("Müller", "MULLER"),
        ("Ҷӯраев", "JURAEV"),
        ("Эргашев Бахтиёр", "ERGASHEV BAKHTIER"),
    ],
)
def test_icao_transliteration(native: str, latin: str) -> None:
    assert to_icao_latin(native) == latin


def test_migrations_are_one_line_and_go_down_and_up(tmp_path: Path) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from service.core.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path}/m.db"
    assert len(ScriptDirectory.from_config(alembic_config(url)).get_heads()) == 1
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT next_value FROM card_serial")).scalar() == 1
    engine.dispose()
