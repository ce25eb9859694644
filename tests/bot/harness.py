"""Test helpers shared by the tests of this folder (imported, not collected; the
fixtures that use them are in conftest.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage

from bot.api import ServiceClient
from bot.app import build_bot, build_dispatcher
from bot.config import BotSettings
from tests.bot.client import Chat
from tests.bot.fake_telegram import TOKEN, FakeTelegram
from tests.e2e.server import Server
from tests.harness import cli_env, onboard_cli

ROOT = Path(__file__).resolve().parents[2]


OFFICER_PASSWORD = "officer-password-for-bot-tests"


@dataclass
class Service:
    server: Server
    data_dir: Path
    api_key: str
    _admin: tuple[float, dict[str, str]] | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def cli(self, *args: str, stdin: str | None = None) -> str:
        return _cli(self.data_dir, *args, stdin=stdin)

    def officer_headers(self) -> dict[str, str]:
        return self._bearer("officer-bot-tests", OFFICER_PASSWORD)

    def admin_headers(self) -> dict[str, str]:
        assert self.server.admin_password
        now = time.monotonic()
        if self._admin is None or now - self._admin[0] > 600:  # tokens live 15 minutes
            self._admin = (now, self._bearer("admin", self.server.admin_password))
        return self._admin[1]

    def _bearer(self, username: str, password: str) -> dict[str, str]:
        response = httpx.post(
            self.url + "/api/v1/auth/token",
            data={"username": username, "password": password},
            timeout=10,
        )
        response.raise_for_status()
        return {"Authorization": "Bearer " + response.json()["access_token"]}

    def verify(self, payload: str) -> dict[str, Any]:
        response = httpx.post(
            self.url + "/api/v1/verify",
            json={"payload": payload},
            headers=self.officer_headers(),
            timeout=10,
        )
        response.raise_for_status()
        return dict(response.json())

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request as the administrator (who sees every card), to look at what the bot
        did; ``headers`` may name another caller instead (an X-API-Key wins)."""
        headers = {**self.admin_headers(), **kwargs.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=15, **kwargs)

    def as_bot(self, telegram_user_id: int | None) -> dict[str, str]:
        """The bot's key, acting for one Telegram user (or for none)."""
        acting = {} if telegram_user_id is None else {"X-Telegram-User-Id": str(telegram_user_id)}
        return {"X-API-Key": self.api_key, **acting}


def _cli(data_dir: Path, *args: str, stdin: str | None = None) -> str:
    done = onboard_cli(*args, env=cli_env(ONBOARD_DATA_DIR=str(data_dir)), stdin=stdin)
    done.check_returncode()
    return done.stdout.strip()


def bot_settings(
    service_url: str, api_key: str, telegram_url: str, locales: Path, **overrides: Any
) -> BotSettings:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_base": telegram_url,
        "api_url": service_url,
        "bot_api_key": api_key,
        "redis_url": None,
        "bot_locales_dir": locales,
        "bot_throttle_burst": 1000,
        "bot_throttle_rate": 1000.0,
        "bot_profile_cache_seconds": 0,
        "bot_api_timeout_seconds": 5.0,
        "bot_webhook_url": None,
    }
    values.update(overrides)
    return BotSettings(**values)


@dataclass
class BotUnderTest:
    """The real Bot (pointed at the fake server) and a dispatcher fed update by update."""

    fake: FakeTelegram
    bot: Bot
    dispatcher: Dispatcher
    api: ServiceClient
    settings: BotSettings

    async def fsm(self, chat: Chat) -> tuple[str | None, dict[str, Any]]:
        """The chat's registration state and data as stored (the default FSM destiny)."""
        context = self.dispatcher.fsm.get_context(self.bot, chat.user_id, chat.user_id)
        return await context.get_state(), await context.get_data()

    def chat(self, language_code: str | None = "ru", user_id: int | None = None) -> Chat:
        return Chat(
            self.fake,
            bot=self.bot,
            dispatcher=self.dispatcher,
            language_code=language_code,
            user_id=user_id,
        )


async def make_bot_under_test(
    fake: FakeTelegram,
    settings: BotSettings,
    storage: BaseStorage | None = None,
    **dispatcher_kwargs: Any,
) -> BotUnderTest:
    api = ServiceClient(
        settings.api_url,
        settings.bot_api_key.get_secret_value() if settings.bot_api_key else "",
        timeout=settings.bot_api_timeout_seconds,
    )
    dispatcher = build_dispatcher(
        settings, api, storage=storage or MemoryStorage(), **dispatcher_kwargs
    )
    return BotUnderTest(fake, build_bot(settings), dispatcher, api, settings)
