"""FSM storage in Redis (127.0.0.1:6379): answers expire with a TTL and are deleted at the end."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.app import build_storage
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.flows import fill_until, register
from tests.bot.harness import BotUnderTest, Service, bot_settings, make_bot_under_test

pytestmark = pytest.mark.anyio
REDIS_URL = "redis://127.0.0.1:6379/0"
TTL = 600


@pytest.fixture
async def redis_client() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception:  # noqa: BLE001 - any failure means: no Redis here
        await client.aclose()
        pytest.skip("no Redis server on 127.0.0.1:6379")
    yield client
    await client.aclose()


@pytest.fixture
async def with_redis(
    fake: FakeTelegram, service: Service, compiled_locales: Path, redis_client: aioredis.Redis
) -> AsyncIterator[tuple[BotUnderTest, str]]:
    prefix = f"onboard-test-{uuid.uuid4().hex[:10]}"
    settings = bot_settings(
        service.url,
        service.api_key,
        fake.url,
        compiled_locales,
        redis_url=REDIS_URL,
        bot_redis_prefix=prefix,
        bot_fsm_ttl_seconds=TTL,
    )
    under_test = await make_bot_under_test(fake, settings, storage=build_storage(settings))
    yield under_test, prefix
    await under_test.api.aclose()
    await under_test.bot.session.close()
    await under_test.dispatcher.storage.close()
    keys = [k async for k in redis_client.scan_iter(f"{prefix}:*")]
    if keys:
        await redis_client.delete(*keys)


async def keys_of(client: aioredis.Redis, prefix: str, user_id: int) -> dict[str, int]:
    """Keys of one user's FSM records with their remaining TTLs."""
    found = {}
    async for key in client.scan_iter(f"{prefix}:*:{user_id}:*"):
        found[key.decode()] = await client.ttl(key)
    return found


async def test_answers_live_in_redis_with_a_ttl(
    with_redis: tuple[BotUnderTest, str], redis_client: aioredis.Redis
):
    under_test, prefix = with_redis
    chat = under_test.chat("en")
    await chat.say("/register")
    await chat.press("I agree")
    await chat.press("Me")
    await fill_until(chat, stop="sex")
    keys = await keys_of(redis_client, prefix, chat.user_id)
    assert any(k.endswith(":default:state") for k in keys)
    assert any(k.endswith(":default:data") for k in keys)
    assert all(0 < ttl <= TTL for ttl in keys.values())
    state, data = await under_test.fsm(chat)
    assert state == "Registration:sex" and data["answers"]["surname"] == "Каримов"
    await chat.say("/cancel")
    assert not await keys_of(redis_client, prefix, chat.user_id)


async def test_a_finished_registration_leaves_nothing_in_redis(
    with_redis: tuple[BotUnderTest, str], redis_client: aioredis.Redis
):
    under_test, prefix = with_redis
    chat = under_test.chat("en")
    await register(chat)
    assert "Your migration card is registered." in chat.text()
    assert not await keys_of(redis_client, prefix, chat.user_id)


async def test_a_quiz_in_progress_is_kept_apart(
    with_redis: tuple[BotUnderTest, str], redis_client: aioredis.Redis
):
    under_test, prefix = with_redis
    chat = under_test.chat("en")
    await register(chat)
    await chat.say("/course")
    await chat.press(" 1. ")
    while "Next ▶️" in chat.buttons():
        await chat.press("Next ▶️")
    await chat.press("Take the quiz")
    await chat.press("2", exact=True)
    keys = await keys_of(redis_client, prefix, chat.user_id)
    assert any(k.endswith(":quiz:data") for k in keys)
    assert not any(":default:" in k for k in keys)  # no personal data lying around
