"""`onboard bot`: run the Telegram bot (as ``python -m bot``), with an API key of its own
made on a local setup and handed to the bot's settings (no environment variable is set)."""

from __future__ import annotations

import argparse
import sys

from pydantic import SecretStr
from sqlalchemy.engine import Engine

from service.accounts import service as accounts
from service.accounts.models import Scope
from service.cli.common import Commands, migrate
from service.core import files
from service.core.config import Settings, get_settings
from service.core.db import get_engine, transaction

BOT_KEY_FILE = "bot_api_key"


def register(commands: Commands) -> None:
    commands.add_parser(
        "bot",
        help="run the Telegram bot (as python -m bot); creates its API key on a local setup",
    ).set_defaults(func=_bot)


def _bot(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from bot.__main__ import main as bot_main
    from bot.config import BotSettings
    from bot.config import SettingsError as BotSettingsError

    try:
        bot_settings = BotSettings()
    except (BotSettingsError, ValidationError):
        return bot_main()  # which reports the problem the way `python -m bot` does
    settings = get_settings()
    if settings.bot_webhook_in_api and bot_settings.webhook_mode:
        print(
            "onboard bot: the API serves the bot's webhook (ONBOARD_BOT_WEBHOOK_IN_API); "
            "a second bot is not started",
            file=sys.stderr,
        )
        return 0
    # A local setup needs no key by hand: one is created in the local database and kept in
    # the data dir. Not without a token (the bot refuses to start anyway), nor in production.
    if (
        bot_settings.bot_api_key is None
        and bot_settings.telegram_bot_token is not None
        and settings.env == "development"
    ):
        migrate()
        key = ensure_bot_api_key(settings=settings, engine=get_engine())
        bot_settings = bot_settings.model_copy(update={"bot_api_key": SecretStr(key)})
    return bot_main(bot_settings)


def ensure_bot_api_key(*, settings: Settings, engine: Engine) -> str:
    """The bot's API key for a local setup: read from <data dir>/bot_api_key while it still
    authenticates with the bot scope, else created in the database and stored there (0600)."""
    path = settings.data_dir / BOT_KEY_FILE
    stored = path.read_text().strip() if path.is_file() else ""
    with transaction(engine) as session:
        if stored:
            principal = accounts.principal_for_api_key(session=session, key=stored)
            if principal is not None and Scope.bot in principal.scopes:
                return stored
        row, key = accounts.create_api_key(session=session, name="bot", scopes=[Scope.bot])
        # Written before the commit: a key in the file that never reached the database is
        # replaced on the next run, while a committed key is never lost.
        files.write_private(path, key + "\n")
    print(
        f"onboard bot: API key {row.id} (scope bot) created for the bot, kept in {path}",
        file=sys.stderr,
    )
    return key
