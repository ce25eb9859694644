"""Forged buttons and the acting user, through the real aiogram Dispatcher, the fake Bot API
and the served API behind a recording proxy: button data never becomes a path, and every
request the bot makes for a person names that person, taken from the update's sender."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.client import Chat
from tests.bot.conftest import (  # noqa: F401 - the bot's fixtures, used here too
    anyio_backend,
    compiled_locales,
    fake,
    service,
)
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.flows import register
from tests.bot.harness import (
    BotUnderTest,
    Service,
    bot_settings,
    make_bot_under_test,
)
from tests.bot.proxy import FlakyProxy

pytestmark = pytest.mark.anyio
STALE = "This button is out of date. Please use the latest message."


@pytest.fixture
async def proxy(service: Service) -> AsyncIterator[FlakyProxy]:  # noqa: F811
    recording = FlakyProxy(service.url)
    await recording.start()
    yield recording
    await recording.stop()


@pytest.fixture
async def watched(
    fake: FakeTelegram,  # noqa: F811
    proxy: FlakyProxy,
    service: Service,  # noqa: F811
    compiled_locales: Path,  # noqa: F811
) -> AsyncIterator[BotUnderTest]:
    settings = bot_settings(proxy.url, service.api_key, fake.url, compiled_locales)
    under_test = await make_bot_under_test(fake, settings)
    yield under_test
    await under_test.api.aclose()
    await under_test.bot.session.close()


def _cards(svc: Service, chat: Chat) -> list[dict]:  # type: ignore[type-arg]
    r = svc.api("GET", "/api/v1/cards", params={"telegram_user_id": chat.user_id})
    r.raise_for_status()
    return list(r.json()["items"])


async def test_forged_checklist_and_guide_buttons_reach_no_other_path(
    watched: BotUnderTest,
    proxy: FlakyProxy,
    service: Service,  # noqa: F811
) -> None:
    chat = watched.chat("en")
    await register(chat)
    [card] = _cards(service, chat)
    forged = [
        f"cl:on:{card['number']}:../../../reminders/1/sent?:0",
        f"cl:when:{card['number']}:..%2F..%2Freminders%2F1%2Fsent:0",
        "cl:mute:../cards?limit=100:x:0",
        "gd:../cards?limit=100:0",
        "gd:..:0",
        "crs:page:../../cards:0:0",
        "card:show:../cards",
    ]
    for data in forged:
        proxy.requests.clear()
        await chat.press_data(data)
        answered = watched.fake.calls_of("answerCallbackQuery")[-1].params
        assert answered.get("text") == STALE, (data, answered)
        touched = [path for _, path in proxy.requests]
        assert not any("/reminders" in p for p in touched), (data, touched)
        assert not any(p.startswith("/api/v1/cards?") or ".." in p for p in touched), touched
    listing = service.api("GET", f"/api/v1/cards/{card['id']}/checklist").json()
    assert all(item["done"] is None for item in listing["items"])


async def test_an_item_the_service_did_not_list_is_not_posted(
    watched: BotUnderTest,
    proxy: FlakyProxy,
    service: Service,  # noqa: F811
) -> None:
    chat = watched.chat("en")
    await register(chat)
    [card] = _cards(service, chat)
    proxy.requests.clear()
    await chat.press_data(f"cl:on:{card['number']}:stay-end:0")  # listed, not reportable
    await chat.press_data(f"cl:on:{card['number']}:no-such-item:0")
    assert not any(m == "POST" and "/checklist/" in p for m, p in proxy.requests)


async def test_every_per_user_request_names_the_sender(
    watched: BotUnderTest,
    proxy: FlakyProxy,
    service: Service,  # noqa: F811
) -> None:
    chat = watched.chat("en")
    proxy.acting.clear()
    await register(chat)
    await chat.say("/card")
    await chat.say("/checklist")
    await chat.say("/course")
    per_user = [
        (m, p, who)
        for m, p, who in proxy.acting
        if p.startswith(("/api/v1/cards", "/api/v1/persons", "/api/v1/telegram-users"))
    ]
    assert len(per_user) >= 5
    assert all(who == str(chat.user_id) for _, _, who in per_user), per_user
    # Another user's button with this user's card number acts for the presser, not the owner.
    intruder = watched.chat("en")
    await intruder.say("/help")
    [card] = _cards(service, chat)
    proxy.acting.clear()
    await intruder.press_data(f"cl:mute:{card['number']}::0")
    assert watched.fake.calls_of("answerCallbackQuery")[-1].params.get("text") == STALE
    assert {who for _, _, who in proxy.acting} <= {str(intruder.user_id)}
    assert (
        service.api("GET", f"/api/v1/cards/{card['id']}/checklist").json()["reminders_muted"]
        is False
    )
