"""The bot's webhook served by the API process (ONBOARD_BOT_WEBHOOK_IN_API).

The fake Telegram server runs on the test's event loop; the app runs in TestClient's own
thread and loop, so the blocking client is driven from a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from bot.webhook import SECRET_HEADER
from service.core.config import Settings, SettingsError
from service.main import create_app
from tests.bot.fake_telegram import TOKEN, FakeTelegram
from tests.bot.harness import Service
from tests.bot.test_webhook import start_update
from tests.harness import free_port

pytestmark = pytest.mark.anyio
SECRET = "s3cret-token-of-the-mounted-hook"
URL = "https://onboard.example/telegram/webhook"
PATH = "/telegram/webhook"


@pytest.fixture
def bot_env(
    monkeypatch: pytest.MonkeyPatch, fake: FakeTelegram, service: Service, compiled_locales: Path
) -> pytest.MonkeyPatch:
    """The bot's settings as an operator sets them: webhook mode, the fake Telegram, the
    service on loopback with its bot key."""
    for name, value in {
        "ONBOARD_TELEGRAM_BOT_TOKEN": TOKEN,
        "ONBOARD_TELEGRAM_API_BASE": fake.url,
        "ONBOARD_API_URL": service.url,
        "ONBOARD_BOT_API_KEY": service.api_key,
        "ONBOARD_BOT_WEBHOOK_URL": URL,
        "ONBOARD_BOT_WEBHOOK_SECRET": SECRET,
        "ONBOARD_BOT_WEBHOOK_PATH": PATH,
        "ONBOARD_BOT_LOCALES_DIR": str(compiled_locales),
        "ONBOARD_BOT_PROFILE_CACHE_SECONDS": "0",
        "ONBOARD_BOT_REMINDERS_ENABLED": "false",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ONBOARD_REDIS_URL", raising=False)
    return monkeypatch


def _with_hook(settings: Settings) -> Settings:
    return settings.model_copy(update={"bot_webhook_in_api": True})


def _until(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll from the client's thread (the fake server's loop is busy serving the bot)."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not do what was expected in time")
        time.sleep(0.05)
    return result


async def test_the_api_serves_the_webhook(
    bot_env: pytest.MonkeyPatch, fake: FakeTelegram, settings: Settings, engine: Engine
) -> None:
    app = create_app(_with_hook(settings), engine)

    def exercise() -> None:
        with TestClient(app) as client:
            registered = _until(lambda: fake.calls_of("setWebhook"))[-1].params
            assert registered["url"] == URL
            assert registered["secret_token"] == SECRET
            assert client.get("/healthz").status_code == 200

            denied = client.post(PATH, json=start_update(601))
            assert denied.status_code == 401
            wrong = client.post(PATH, json=start_update(601), headers={SECRET_HEADER: "wrong"})
            assert wrong.status_code == 401
            accepted = client.post(PATH, json=start_update(602), headers={SECRET_HEADER: SECRET})
            assert accepted.status_code == 200
            # Handled in the background: the answer reaches the chat after the 200.
            _until(lambda: fake.bot_messages(602))
            assert "/telegram/webhook" not in client.get("/openapi.json").text

    await asyncio.to_thread(exercise)
    assert "What I can do" in fake.bot_messages(602)[0].body
    assert not fake.bot_messages(601)
    sent = [c for c in fake.calls_of("sendMessage") if int(c.params["chat_id"]) == 602]
    assert len(sent) == 1


async def test_telegram_unreachable_does_not_stop_the_api(
    bot_env: pytest.MonkeyPatch,
    settings: Settings,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot_env.setenv("ONBOARD_TELEGRAM_API_BASE", f"http://127.0.0.1:{free_port()}")  # nobody
    caplog.set_level(logging.INFO, logger="onboard")
    app = create_app(_with_hook(settings), engine)

    def exercise() -> None:
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
            _until(lambda: "could not register the Telegram webhook" in caplog.text)
            # Updates are still taken (Telegram may hold an earlier registration).
            accepted = client.post(PATH, json=start_update(603), headers={SECRET_HEADER: SECRET})
            assert accepted.status_code == 200

    await asyncio.to_thread(exercise)
    assert TOKEN not in caplog.text


async def test_off_unless_the_service_setting_allows_it(
    bot_env: pytest.MonkeyPatch, fake: FakeTelegram, settings: Settings, engine: Engine
) -> None:
    app = create_app(settings, engine)  # ONBOARD_BOT_WEBHOOK_IN_API defaults to false

    def exercise() -> None:
        with TestClient(app) as client:
            response = client.post(PATH, json=start_update(604), headers={SECRET_HEADER: SECRET})
            assert response.status_code == 404

    await asyncio.to_thread(exercise)
    assert not fake.calls


async def test_webhook_mode_off_serves_nothing(
    bot_env: pytest.MonkeyPatch,
    fake: FakeTelegram,
    settings: Settings,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot_env.delenv("ONBOARD_BOT_WEBHOOK_URL")
    app = create_app(_with_hook(settings), engine)
    assert "no Telegram webhook is served" in caplog.text
    assert "ONBOARD_BOT_WEBHOOK_URL" in caplog.text

    def exercise() -> None:
        with TestClient(app) as client:
            response = client.post(PATH, json=start_update(605), headers={SECRET_HEADER: SECRET})
            assert response.status_code == 404

    await asyncio.to_thread(exercise)
    assert not fake.calls


async def test_a_webhook_without_a_secret_is_refused(
    bot_env: pytest.MonkeyPatch, settings: Settings, engine: Engine
) -> None:
    bot_env.delenv("ONBOARD_BOT_WEBHOOK_SECRET")
    with pytest.raises(SettingsError, match="ONBOARD_BOT_WEBHOOK_SECRET"):
        create_app(_with_hook(settings), engine)
