"""`python -m bot` (and `onboard bot`): long polling, or webhook mode when a URL is set."""

from __future__ import annotations

import asyncio
import logging
import sys

from aiohttp import web

from bot.app import ConfigurationError, check_required, run_polling
from bot.config import BotSettings, SettingsError
from bot.i18n import CataloguesMissing


def configure_logging() -> None:
    """INFO logs without personal data: nothing here logs answers, names or user ids."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # httpx logs every request's URL at INFO; URLs name Telegram accounts and cards.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def main(settings: BotSettings | None = None) -> int:
    """Run the bot with ``settings`` (by default read from the environment)."""
    configure_logging()
    try:
        settings = settings or BotSettings()
        check_required(settings)
        if settings.webhook_mode:
            from bot.webhook import aiohttp_app

            app = aiohttp_app(settings)
            web.run_app(app, host=settings.bot_webhook_host, port=settings.bot_webhook_port)
        else:
            asyncio.run(run_polling(settings))
    except (ConfigurationError, SettingsError, CataloguesMissing) as exc:
        print(f"onboard bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
