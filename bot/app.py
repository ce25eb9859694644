"""Assembling the bot: storage, dispatcher with its middlewares and routers, the Bot, polling.

Nothing is global: tests (and the webhook app) build as many dispatchers as they need.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n

from bot import texts
from bot.api import ServiceClient
from bot.config import BotSettings
from bot.handlers import get_routers
from bot.i18n import LANGUAGES, LocaleMiddleware, make_i18n
from bot.middlewares import ActingUser, ServiceErrors, Throttling
from bot.profiles import ProfileStore
from bot.reminders import ReminderSender

log = logging.getLogger("onboard.bot")
LEGAL_ZONE = ZoneInfo("Europe/Moscow")


class ConfigurationError(RuntimeError):
    """A setting the bot cannot run without is missing."""


def moscow_today() -> date:
    """Card dates are Russian legal dates: "today" is the date in Moscow."""
    return datetime.now(LEGAL_ZONE).date()


def build_storage(settings: BotSettings) -> BaseStorage:
    """Redis when configured (answers expire with a TTL), else memory (one process only)."""
    if not settings.redis_url:
        return MemoryStorage()
    ttl = settings.bot_fsm_ttl_seconds
    keys = DefaultKeyBuilder(
        prefix=f"{settings.bot_redis_prefix}:fsm", with_bot_id=True, with_destiny=True
    )
    return RedisStorage.from_url(settings.redis_url, key_builder=keys, state_ttl=ttl, data_ttl=ttl)


def _isolation(storage: BaseStorage) -> BaseEventIsolation:
    # One update at a time per user, so two quick taps cannot interleave on the FSM data.
    if isinstance(storage, RedisStorage):
        return storage.create_isolation()
    return SimpleEventIsolation()


def check_required(settings: BotSettings) -> None:
    """Name every missing setting at once, before anything starts."""
    missing = []
    if settings.telegram_bot_token is None:
        missing.append("ONBOARD_TELEGRAM_BOT_TOKEN is not set")
    if settings.bot_api_key is None:
        missing.append(
            "ONBOARD_BOT_API_KEY is not set (create one: onboard api-keys create bot --scope bot)"
        )
    if missing:
        raise ConfigurationError("; ".join(missing))


def build_api(settings: BotSettings) -> ServiceClient:
    if settings.bot_api_key is None:
        raise ConfigurationError(
            "ONBOARD_BOT_API_KEY is not set (create one: onboard api-keys create bot --scope bot)"
        )
    return ServiceClient(
        settings.api_url,
        settings.bot_api_key.get_secret_value(),
        timeout=settings.bot_api_timeout_seconds,
        connections=settings.bot_api_connections,
    )


def build_bot(settings: BotSettings) -> Bot:
    if settings.telegram_bot_token is None:
        raise ConfigurationError("ONBOARD_TELEGRAM_BOT_TOKEN is not set")
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    return Bot(
        settings.telegram_bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def build_dispatcher(
    settings: BotSettings,
    api: ServiceClient,
    *,
    storage: BaseStorage | None = None,
    i18n: I18n | None = None,
    today: Callable[[], date] = moscow_today,
) -> Dispatcher:
    storage = storage if storage is not None else build_storage(settings)
    i18n = i18n or make_i18n(settings.bot_locales_dir, settings.bot_default_language)
    profiles = ProfileStore(api, ttl=settings.bot_profile_cache_seconds)
    dp = Dispatcher(
        storage=storage,
        events_isolation=_isolation(storage),
        api=api,
        profiles=profiles,
        settings=settings,
        today=today,
    )
    dp.update.outer_middleware(
        Throttling(burst=settings.bot_throttle_burst, rate=settings.bot_throttle_rate, i18n=i18n)
    )
    dp.update.outer_middleware(ActingUser())
    LocaleMiddleware(i18n, profiles).setup(dp)
    # Inside the locale middleware (registered after it), so "try again later" is translated.
    dp.message.outer_middleware(ServiceErrors())
    dp.callback_query.outer_middleware(ServiceErrors())
    dp.include_routers(*get_routers())
    dp.startup.register(_on_startup)
    dp.shutdown.register(_on_shutdown)
    dp["i18n_instance"] = i18n
    return dp


async def set_commands(bot: Bot, i18n: I18n) -> None:
    """The command menu in each language, and the default language for everyone else."""
    for language in (*LANGUAGES, None):
        with i18n.context(), i18n.use_locale(language or i18n.default_locale):
            commands = [BotCommand(command=c, description=d) for c, d in texts.commands()]
        await bot.set_my_commands(commands, language_code=language)


async def _on_startup(
    bot: Bot, dispatcher: Dispatcher, i18n_instance: I18n, api: ServiceClient, settings: BotSettings
) -> None:
    await set_commands(bot, i18n_instance)
    running: asyncio.Task[None] | None = dispatcher.workflow_data.get("reminder_task")
    if settings.bot_reminders_enabled and (running is None or running.done()):
        sender = ReminderSender(bot, api, i18n_instance)
        dispatcher["reminder_task"] = asyncio.create_task(
            sender.run(settings.bot_reminder_interval_seconds), name="onboard-reminders"
        )
    log.info("bot started")


async def _on_shutdown(dispatcher: Dispatcher, api: ServiceClient) -> None:
    task: asyncio.Task[None] | None = dispatcher.workflow_data.pop("reminder_task", None)
    if task is not None:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
    await api.aclose()
    await dispatcher.storage.close()
    log.info("bot stopped")


class TokenRefused(ConfigurationError):
    """Telegram does not know the bot's token."""


async def _reach_telegram(bot: Bot, settings: BotSettings) -> None:
    """Leave webhook mode, waiting out a network or Telegram outage (backing off to a
    minute); a token Telegram refuses is a configuration error, not an outage."""
    delay = 1.0
    while True:
        try:
            await bot.delete_webhook(drop_pending_updates=False)
            return
        except TelegramUnauthorizedError:
            raise TokenRefused(
                "Telegram refused ONBOARD_TELEGRAM_BOT_TOKEN (check it with @BotFather)"
            ) from None
        except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as exc:
            log.warning(
                "Telegram at %s not reachable (%s); trying again in %.0f s",
                settings.telegram_api_base,
                type(exc).__name__,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)


async def run_polling(
    settings: BotSettings, *, polling_timeout: int = 30, handle_signals: bool = True
) -> None:
    """Long polling until SIGINT/SIGTERM (or the task is cancelled)."""
    check_required(settings)
    api = build_api(settings)
    bot = build_bot(settings)
    dp = build_dispatcher(settings, api)
    await _reach_telegram(bot, settings)
    await dp.start_polling(
        bot,
        polling_timeout=polling_timeout,
        handle_signals=handle_signals,
        tasks_concurrency_limit=settings.bot_max_concurrent_updates,
    )
