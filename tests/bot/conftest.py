"""Fixtures: the real service on loopback, a fake Telegram Bot API, and the real bot between.

The service starts once per session (tests use distinct Telegram ids); the fake Telegram
server, the bot and its dispatcher are built fresh for each test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.harness import (
    OFFICER_PASSWORD,
    ROOT,
    BotUnderTest,
    Service,
    _cli,
    bot_settings,
    make_bot_under_test,
)
from tests.e2e.server import serve


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def compiled_locales(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bot's catalogues compiled from the .po files as they are in the tree now."""
    root = tmp_path_factory.mktemp("locales")
    for language in LANGUAGES:
        source = ROOT / "locales" / language / "LC_MESSAGES" / "bot.po"
        target = root / language / "LC_MESSAGES" / "bot.mo"
        target.parent.mkdir(parents=True)
        with source.open("rb") as po, target.open("wb") as mo:
            write_mo(mo, read_po(po, locale=language))
    return root


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`onboard serve` on a free loopback port, with a bot-scope key and an officer."""
    data_dir = tmp_path_factory.mktemp("service")
    # The bot's own throttling is under test, not the service's limits per key.
    env = {"ONBOARD_RATE_LIMIT_ENABLED": "false"}
    with serve(data_dir, extra_env=env) as server:
        key = _cli(data_dir, "api-keys", "create", "bot", "--scope", "bot").splitlines()[-1]
        _cli(
            data_dir,
            "users",
            "create",
            "officer-bot-tests",
            "--role",
            "officer",
            "--password-stdin",
            stdin=OFFICER_PASSWORD + "\n",
        )
        yield Service(server=server, data_dir=data_dir, api_key=key)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()
    assert server.refused == [], "the bot sent what Telegram refuses"


@pytest.fixture
async def tg(
    fake: FakeTelegram, service: Service, compiled_locales: Path
) -> AsyncIterator[BotUnderTest]:
    settings = bot_settings(service.url, service.api_key, fake.url, compiled_locales)
    under_test = await make_bot_under_test(fake, settings)
    yield under_test
    await under_test.api.aclose()
    await under_test.bot.session.close()
    await under_test.dispatcher.storage.close()
