"""`onboard bot`: the bot as `python -m bot` runs it, with its API key made on a local setup."""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service.accounts.models import ApiKey
from service.cli import BOT_KEY_FILE, ensure_bot_api_key
from service.core.config import Settings
from service.main import create_app
from tests.bot.fake_telegram import TOKEN, FakeTelegram
from tests.bot.harness import Service
from tests.bot.test_webhook import start_update


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARD_")}
    env["ONBOARD_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def _onboard_bot(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "bot"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_a_token_it_says_so_and_exits_2(tmp_path: Path) -> None:
    done = _onboard_bot(_env(tmp_path))
    assert done.returncode == 2, done.stderr
    assert "ONBOARD_TELEGRAM_BOT_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / BOT_KEY_FILE).exists()  # nothing is created for a bot that cannot run


def test_it_starts_nothing_when_the_api_serves_the_webhook(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        ONBOARD_TELEGRAM_BOT_TOKEN=TOKEN,
        ONBOARD_BOT_WEBHOOK_URL="https://onboard.example/telegram/webhook",
        ONBOARD_BOT_WEBHOOK_IN_API="true",
    )
    done = _onboard_bot(env)
    assert done.returncode == 0, done.stderr
    assert "ONBOARD_BOT_WEBHOOK_IN_API" in done.stderr
    assert not (tmp_path / BOT_KEY_FILE).exists()


def test_the_key_is_created_once_private_and_authenticates(
    settings: Settings, engine: Engine
) -> None:
    key = ensure_bot_api_key(settings=settings, engine=engine)
    path = settings.data_dir / BOT_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip() == key
    assert ensure_bot_api_key(settings=settings, engine=engine) == key
    assert path.read_text().strip() == key
    with Session(engine) as session:
        rows = session.exec(select(ApiKey)).all()
    assert [(r.name, r.scopes) for r in rows] == [("bot", ["bot"])]

    with TestClient(create_app(settings, engine)) as client:
        headers = {"X-API-Key": key, "X-Telegram-User-Id": "4242"}
        # Past authentication (401) and the scope check (403): there is just no profile yet.
        profile = client.get("/api/v1/telegram-users/4242", headers=headers)
        assert profile.status_code == 404, profile.text
        assert client.get("/api/v1/stats/cards?by=region", headers=headers).status_code == 403
        assert client.get("/api/v1/telegram-users/4242").status_code == 401


def test_a_revoked_key_is_replaced(settings: Settings, engine: Engine) -> None:
    from service.accounts import service as accounts
    from service.core.db import transaction

    first = ensure_bot_api_key(settings=settings, engine=engine)
    with transaction(engine) as session:
        row = session.exec(select(ApiKey)).one()
        accounts.revoke_api_key(session=session, key_id=row.id)
    second = ensure_bot_api_key(settings=settings, engine=engine)
    assert second != first
    assert (settings.data_dir / BOT_KEY_FILE).read_text().strip() == second
    assert stat.S_IMODE((settings.data_dir / BOT_KEY_FILE).stat().st_mode) == 0o600


@pytest.mark.anyio
async def test_onboard_bot_answers_with_the_key_it_created(
    fake: FakeTelegram, service: Service, compiled_locales: Path
) -> None:
    """The real command against the real service: its data dir gets the key, the bot answers."""
    env = _env(
        service.data_dir,
        ONBOARD_TELEGRAM_BOT_TOKEN=TOKEN,
        ONBOARD_TELEGRAM_API_BASE=fake.url,
        ONBOARD_API_URL=service.url,
        ONBOARD_BOT_LOCALES_DIR=str(compiled_locales),
        ONBOARD_BOT_REMINDERS_ENABLED="false",
    )
    key_file = service.data_dir / BOT_KEY_FILE
    key_file.unlink(missing_ok=True)
    for attempt in (1, 2):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "service.cli",
            "bot",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await fake.wait_for(lambda: fake.calls_of("getUpdates"), timeout=60)
            user_id = 880 + attempt
            await fake.push_update(start_update(user_id, update_id=fake.next_update_id()))
            await fake.wait_for(lambda uid=user_id: fake.bot_messages(uid), timeout=30)
            assert "What I can do" in fake.bot_messages(user_id)[0].body
        finally:
            process.send_signal(signal.SIGINT)
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0, stderr.decode()
        key = key_file.read_text().strip()
        assert key.startswith("obk_")
        assert key not in stdout.decode() + stderr.decode()
        created = "created for the bot" in stderr.decode()
        assert created == (attempt == 1)  # the second run reuses the stored key
        fake.calls.clear()
    prefix = key.split("_")[1]
    listed = [line for line in service.cli("api-keys", "list").splitlines() if prefix in line]
    assert len(listed) == 1 and listed[0].endswith("\tbot\tbot\tactive")


def _bot_process(tmp_path: Path, telegram_url: str, token: str) -> subprocess.Popen[str]:
    env = _env(
        tmp_path,
        ONBOARD_TELEGRAM_BOT_TOKEN=token,
        ONBOARD_TELEGRAM_API_BASE=telegram_url,
        ONBOARD_BOT_API_KEY="obk_00000000_not-used-before-telegram-answers",
        ONBOARD_BOT_REMINDERS_ENABLED="false",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.anyio
async def test_a_token_telegram_refuses_is_a_clear_error(tmp_path: Path, fake: FakeTelegram):
    process = _bot_process(tmp_path, fake.url, "123:not-the-token")
    try:
        _, stderr = await asyncio.to_thread(process.communicate, timeout=60)
    finally:
        process.kill()
    assert process.returncode == 2
    assert "Telegram refused ONBOARD_TELEGRAM_BOT_TOKEN" in stderr
    assert "Traceback" not in stderr and "not-the-token" not in stderr


@pytest.mark.anyio
async def test_telegram_unreachable_at_start_is_waited_out(tmp_path: Path):
    import socket

    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = _bot_process(tmp_path, f"http://127.0.0.1:{port}", TOKEN)
    assert process.stderr is not None
    seen: list[str] = []

    def read_until_retry() -> None:
        assert process.stderr is not None
        for line in process.stderr:  # ends when the process does
            seen.append(line)
            if len([x for x in seen if "trying again" in x]) >= 2:
                return

    try:
        await asyncio.wait_for(asyncio.to_thread(read_until_retry), timeout=60)
        assert process.poll() is None, "the bot gave up instead of waiting for Telegram"
    finally:
        process.kill()
        process.wait(timeout=30)
    text = "".join(seen)
    assert "not reachable (TelegramNetworkError); trying again in 1 s" in text
    assert "trying again in 2 s" in text  # backing off
    assert "Traceback" not in text
