"""The bot is an integrator (it never imports the service) and never logs personal data."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import configure_logging
from tests.bot.flows import register
from tests.bot.harness import BotUnderTest

ROOT = Path(__file__).resolve().parents[2]


def test_the_bot_never_imports_the_service() -> None:
    code = (
        "import sys, bot.__main__, bot.app, bot.webhook, bot.handlers;"
        "print([m for m in sys.modules if m == 'service' or m.startswith('service.')])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_python_m_bot_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "ONBOARD_BOT_LOCALES_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert done.returncode == 2
    assert "ONBOARD_TELEGRAM_BOT_TOKEN is not set" in done.stderr


@pytest.mark.anyio
async def test_logs_carry_no_personal_data(
    tg: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging()
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="onboard")
    chat = tg.chat("en")
    given = await register(chat)
    await chat.say("/card")
    await chat.say("/cancel")
    await chat.say("Шухрат FA")  # free text nobody asked for
    logged = caplog.text
    assert "Update id=" in logged or caplog.records  # something was logged at all
    for secret in (
        "Каримов",
        "Шухрат",
        "KARIMOV",
        given["document_number"],
        "1990",
        "Ленина",
        "Стройка",
        str(chat.user_id),
    ):
        assert secret not in logged, secret


def test_python_m_bot_names_what_is_missing(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "ONBOARD_TELEGRAM_BOT_TOKEN": "1:x",
        "ONBOARD_BOT_API_KEY": "k",
        "ONBOARD_BOT_LOCALES_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert done.returncode == 2 and "bot catalogues" in done.stderr
