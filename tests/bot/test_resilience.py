"""The service down, failing or slow: a translated "try again later", nothing lost, no crash."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.fsm.storage.memory import MemoryStorage

from tests.bot.fake_telegram import FakeTelegram
from tests.bot.flows import fill_until
from tests.bot.handlers.test_registration import cards_of
from tests.bot.harness import BotUnderTest, Service, bot_settings, make_bot_under_test
from tests.bot.proxy import FlakyProxy
from tests.harness import free_port

pytestmark = pytest.mark.anyio
LATER_EN = "The registry is not answering right now. Please try again in a few minutes"
LATER_UZ = "Reyestr hozir javob bermayapti."


@pytest.fixture
async def proxy(service: Service) -> AsyncIterator[FlakyProxy]:
    flaky = FlakyProxy(service.url)
    await flaky.start()
    yield flaky
    await flaky.stop()


@pytest.fixture
async def via_proxy(
    fake: FakeTelegram, proxy: FlakyProxy, service: Service, compiled_locales: Path
) -> AsyncIterator[BotUnderTest]:
    settings = bot_settings(
        proxy.url, service.api_key, fake.url, compiled_locales, bot_api_timeout_seconds=1.0
    )
    under_test = await make_bot_under_test(fake, settings)
    yield under_test
    await under_test.api.aclose()
    await under_test.bot.session.close()


async def test_service_unreachable_from_the_start(
    fake: FakeTelegram, service: Service, compiled_locales: Path
):
    dead = f"http://127.0.0.1:{free_port()}"
    settings = bot_settings(dead, service.api_key, fake.url, compiled_locales)
    under_test = await make_bot_under_test(fake, settings)
    try:
        chat = under_test.chat("uz")
        await chat.say("/start")
        greeting, later = chat.texts()
        assert greeting.startswith("Assalomu alaykum!")  # in the phone's language
        assert later.startswith(LATER_UZ)
        for command in ("/register", "/card", "/course", "/guide"):
            await chat.say(command)
            assert chat.last.body.startswith(LATER_UZ), command
        await chat.say("/help")  # needs no service
        assert "/register" in chat.last.body
    finally:
        await under_test.api.aclose()
        await under_test.bot.session.close()


async def test_service_errors_answer_try_later(via_proxy: BotUnderTest, proxy: FlakyProxy):
    chat = via_proxy.chat("en")
    await chat.say("/help")
    proxy.trouble.status = 503
    await chat.say("/card")
    assert chat.last.body.startswith(LATER_EN)
    await chat.press("Course")
    assert chat.last.body.startswith(LATER_EN)
    proxy.trouble.status = None
    await chat.say("/card")
    assert "You have no migration card yet" in chat.last.body


async def test_registration_survives_the_service_going_down(
    via_proxy: BotUnderTest, proxy: FlakyProxy, service: Service
):
    chat = via_proxy.chat("en")
    await chat.say("/register")
    await chat.press("I agree")
    await chat.press("Me")
    await fill_until(chat)
    summary = chat.last
    proxy.trouble.status = 503
    await chat.press("Confirm")
    assert chat.last.body == LATER_EN + ". Your answers are kept."
    state, data = await via_proxy.fsm(chat)
    assert state == "Registration:confirm" and data["answers"]["surname"] == "Каримов"
    assert not cards_of(service, chat)
    proxy.trouble.status = None
    await chat.press_data(summary.buttons()[0]["callback_data"], summary)  # the same Confirm
    assert "Your migration card is registered." in chat.text()
    assert len(cards_of(service, chat)) == 1
    assert await via_proxy.fsm(chat) == (None, {})


async def test_a_retry_after_a_timeout_does_not_make_two_cards(
    via_proxy: BotUnderTest, proxy: FlakyProxy, service: Service
):
    chat = via_proxy.chat("en")
    await chat.say("/register")
    await chat.press("I agree")
    await chat.press("Me")
    await fill_until(chat)
    summary = chat.last
    proxy.trouble.slow["/cards"] = 2.5  # registered by the service, but the bot gives up
    await chat.press("Confirm")
    assert chat.last.body.startswith(LATER_EN)
    assert len(cards_of(service, chat)) == 1  # it did happen
    assert (await via_proxy.fsm(chat))[0] == "Registration:confirm"
    proxy.trouble.slow.clear()
    await chat.press_data(summary.buttons()[0]["callback_data"], summary)
    assert "Your migration card is registered." in chat.text()
    [card] = cards_of(service, chat)
    assert card["number"] in chat.text()


async def test_a_second_bot_instance_continues_a_registration(
    fake: FakeTelegram, service: Service, compiled_locales: Path
):
    """FSM storage, not process memory, carries the flow (what Redis gives across replicas)."""
    storage = MemoryStorage()
    settings = bot_settings(service.url, service.api_key, fake.url, compiled_locales)
    one = await make_bot_under_test(fake, settings, storage=storage)
    two = await make_bot_under_test(fake, settings, storage=storage)
    try:
        chat = one.chat("en")
        await chat.say("/register")
        await chat.press("I agree")
        await chat.press("Me")
        await fill_until(chat, stop="sex")
        chat.dispatcher = two.dispatcher
        await chat.press("Male")
        assert "Your citizenship" in chat.last.body
    finally:
        for under_test in (one, two):
            await under_test.api.aclose()
            await under_test.bot.session.close()


async def test_an_unexpected_failure_gets_an_apology_not_silence(
    tg: BotUnderTest, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
):
    chat = tg.chat("uz")
    fake.fail_methods["sendMessage"] = 1  # Telegram itself fails once
    await chat.say("/help")
    assert (
        chat.last.body
        == "Kechirasiz, men tomonda nimadir notoʻgʻri ketdi. Iltimos, qayta urinib koʻring."
    )
    assert "TelegramServerError" in caplog.text
    await chat.say("/help")
    assert "/register" in chat.last.body
