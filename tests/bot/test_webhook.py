"""Webhook mode: the secret token is checked on every call, then the update is handled."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.webhook import SECRET_HEADER, WebhookApp, aiohttp_app
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.harness import Service, bot_settings

pytestmark = pytest.mark.anyio
SECRET = "s3cret-token-of-the-webhook-0123"


def start_update(user_id: int, update_id: int = 1) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "T", "language_code": "en"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


def settings_for(fake: FakeTelegram, service: Service, locales: Path):  # type: ignore[no-untyped-def]
    return bot_settings(
        service.url,
        service.api_key,
        fake.url,
        locales,
        bot_webhook_url="https://bot.example/telegram/webhook",
        bot_webhook_secret=SECRET,
    )


async def test_the_asgi_app_checks_the_secret(
    fake: FakeTelegram, service: Service, compiled_locales: Path
):
    hook = WebhookApp.from_settings(settings_for(fake, service, compiled_locales))
    await hook.startup()
    try:
        registered = fake.calls_of("setWebhook")[-1].params
        assert registered["url"] == "https://bot.example/telegram/webhook"
        assert registered["secret_token"] == SECRET
        assert fake.calls_of("setMyCommands")
        transport = httpx.ASGITransport(app=hook)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for headers in ({}, {SECRET_HEADER: "wrong"}):
                response = await client.post("/", json=start_update(501), headers=headers)
                assert response.status_code == 401
            assert (await client.get("/")).status_code == 405
            bad = await client.post("/", content=b"{not json", headers={SECRET_HEADER: SECRET})
            assert bad.status_code == 400
            ok = await client.post("/", json=start_update(502), headers={SECRET_HEADER: SECRET})
            assert ok.status_code == 200
        await fake.wait_for(lambda: fake.bot_messages(502), timeout=10)
        assert "What I can do" in fake.bot_messages(502)[0].body
        assert not fake.bot_messages(501)
    finally:
        await hook.shutdown()


async def test_the_asgi_app_serves_its_own_lifespan(
    fake: FakeTelegram, service: Service, compiled_locales: Path
):
    hook = WebhookApp.from_settings(settings_for(fake, service, compiled_locales))
    sent: list[dict] = []
    messages = asyncio.Queue[dict]()
    await messages.put({"type": "lifespan.startup"})
    await messages.put({"type": "lifespan.shutdown"})

    async def send(message: dict) -> None:
        sent.append(message)

    await hook({"type": "lifespan"}, messages.get, send)
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert fake.calls_of("setWebhook")


async def test_the_standalone_aiohttp_app(
    fake: FakeTelegram, service: Service, compiled_locales: Path
):
    settings = settings_for(fake, service, compiled_locales)
    app = aiohttp_app(settings)
    async with TestClient(TestServer(app)) as client:
        assert fake.calls_of("setWebhook")[-1].params["secret_token"] == SECRET
        denied = await client.post(settings.bot_webhook_path, json=start_update(503))
        assert denied.status == 401
        accepted = await client.post(
            settings.bot_webhook_path, json=start_update(504), headers={SECRET_HEADER: SECRET}
        )
        assert accepted.status == 200
        await fake.wait_for(lambda: fake.bot_messages(504), timeout=10)
    assert not fake.bot_messages(503)


def test_production_webhooks_need_a_real_secret() -> None:
    from bot.config import BotSettings, SettingsError

    with pytest.raises(SettingsError):
        BotSettings(env="production", bot_webhook_url="https://x.example/hook")
    with pytest.raises(SettingsError):
        BotSettings(
            env="production", bot_webhook_url="https://x.example/hook", bot_webhook_secret="short"
        )
    with pytest.raises(SettingsError):
        BotSettings(env="production", bot_api_key="changeme")
    ok = BotSettings(
        env="production", bot_webhook_url="https://x.example/hook", bot_webhook_secret=SECRET
    )
    assert ok.webhook_mode and SECRET not in repr(ok)
