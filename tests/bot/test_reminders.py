"""Deadline reminders through the bot, with the service's clock moved day by day.

The service runs in this process (uvicorn on a loopback port, in a thread) so that its one
injectable clock can be set by the test; the bot reaches it over real HTTP and sends to the
fake Telegram server. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.i18n import make_i18n
from bot.reminders import ReminderSender
from service.main import create_app
from tests import factories
from tests.bot.client import new_user_id
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.harness import BotUnderTest, bot_settings, make_bot_under_test
from tests.factories import card_payload
from tests.harness import free_port

pytestmark = pytest.mark.anyio
START = datetime(2026, 11, 2, tzinfo=UTC)
HOURS_UTC = (3, 13, 20)  # 06:00, 16:00 and 23:00 in Moscow: only 16:00 is daytime
NUMBER = re.compile(r"· ([0-9A-Z]{5}-[0-9A-Z]{5})")


@dataclass
class Live:
    url: str
    actors: factories.Actors

    def call(self, method: str, path: str, actor: str, **kwargs):  # type: ignore[no-untyped-def]
        """``actor`` a role or scope, or ``bot:<telegram id>`` for the bot acting for a user."""
        if actor.startswith("bot:"):
            headers = self.actors.bot_for(int(actor.removeprefix("bot:")))
        else:
            headers = self.actors[actor]
        r = httpx.request(method, self.url + path, headers=headers, timeout=15, **kwargs)
        assert r.status_code < 300, r.text
        return r.json() if r.content else None

    def holder_with_card(self, user_id: int, language: str) -> dict:  # type: ignore[type-arg]
        # As the bot does: the language first (on first contact), then consent.
        bot = f"bot:{user_id}"
        self.call("PUT", f"/api/v1/telegram-users/{user_id}", bot, json={"language": language})
        self.call(
            "POST",
            f"/api/v1/telegram-users/{user_id}/consent",
            bot,
            json={"notice_version": "2026-11", "language": language},
        )
        payload = card_payload(
            telegram_user_id=user_id, language=language, **{"planned_stay.until": "2026-12-31"}
        )
        card = self.call("POST", "/api/v1/cards", bot, json=payload)
        self.call(
            "POST", f"/api/v1/cards/{card['id']}/entry", "border", json={"crossing_point": "SVO"}
        )
        return dict(card)


@pytest.fixture
def live(settings, engine, fixed_clock) -> Iterator[Live]:  # type: ignore[no-untyped-def]
    fixed_clock.current = START + timedelta(hours=6)
    settings = settings.model_copy(update={"rate_limit_enabled": False})
    app = create_app(settings, engine)
    actors = factories.make_actors(engine)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the service did not start"
        time.sleep(0.05)
    yield Live(f"http://127.0.0.1:{port}", actors)
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture
async def bot_for(live: Live, fake: FakeTelegram, compiled_locales: Path) -> AsyncIterator:  # type: ignore[type-arg]
    made: list[BotUnderTest] = []

    async def make() -> BotUnderTest:
        key = live.actors["bot"]["X-API-Key"]
        under_test = await make_bot_under_test(
            fake, bot_settings(live.url, key, fake.url, compiled_locales)
        )
        made.append(under_test)
        return under_test

    yield make
    for under_test in made:
        await under_test.api.aclose()
        await under_test.bot.session.close()


def _sender(under_test: BotUnderTest, locales: Path) -> ReminderSender:
    return ReminderSender(under_test.bot, under_test.api, make_i18n(locales, "ru"), batch=3)


async def test_a_stay_day_by_day(live: Live, fake, bot_for, fixed_clock, compiled_locales):
    """Each reminder once, in the holder's language, by day, none after muting or a restart."""
    uzbek, kyrgyz = new_user_id(), new_user_id()
    muted_card = live.holder_with_card(uzbek, "uz")
    other_card = live.holder_with_card(kyrgyz, "ky")
    under_test = await bot_for()
    sender = _sender(under_test, compiled_locales)
    seen: list[tuple[datetime, int, str]] = []
    for day in range(62):
        for hour in HOURS_UTC:
            fixed_clock.current = START + timedelta(days=day, hours=hour)
            mark = fake.seq
            await sender.run_once()
            for chat_id in (uzbek, kyrgyz):
                for m in fake.bot_messages(chat_id):
                    if m.seq > mark:
                        seen.append((fixed_clock.current, chat_id, m.body))
        if day == 20:  # the bot restarts: a new process, nothing remembered but the service
            under_test = await bot_for()
            sender = _sender(under_test, compiled_locales)
        if day == 35:  # 7 December: the Uzbek worker mutes the card from the last reminder
            chat = under_test.chat("uz", user_id=uzbek)
            reminder = chat.last
            await chat.press("🔕")
            toast = fake.calls_of("answerCallbackQuery")[-1].params["text"]
            assert toast == "Bu karta boʻyicha eslatmalar oʻchirildi."
            assert "Eslatma" in reminder.body  # the reminder stays, without its mute button
            assert [b["text"] for b in reminder.buttons()] == ["📋 Mening muddatlarim"]
            listing = live.call(
                "GET", f"/api/v1/cards/{muted_card['id']}/checklist", f"bot:{uzbek}"
            )
            assert listing["reminders_muted"] is True

    assert seen, "no reminder was sent"
    assert {at.hour for at, _, _ in seen} == {13}  # 16:00 in Moscow; never 06:00 or 23:00
    assert len({body for _, _, body in seen}) == len(seen)  # no duplicates, restart included
    for _, chat_id, body in seen:
        assert ("Eslatma" if chat_id == uzbek else "Эскертме") in body  # the holder's language
    per_card = Counter(NUMBER.search(body)[1] for _, _, body in seen)  # type: ignore[index]
    # Registration, biometrics and the patent application: 7, 3 and 1 days before; the end
    # of the stay also on the day itself (4). The muted card misses the stay-end ones.
    assert per_card[other_card["number"]] == 3 + 3 + 3 + 4
    assert per_card[muted_card["number"]] == 3 + 3 + 3
    stay_end = [at for at, chat_id, body in seen if chat_id == kyrgyz and "31.12.2026" in body]
    assert [at.date().isoformat() for at in stay_end] == [
        "2026-12-24",
        "2026-12-28",
        "2026-12-30",
        "2026-12-31",
    ]


async def test_a_failed_send_comes_back_after_the_lease(
    live: Live, fake, bot_for, fixed_clock, compiled_locales
):
    flaky = new_user_id()
    live.holder_with_card(flaky, "ru")
    sender = _sender(await bot_for(), compiled_locales)
    # Entry on 2 November: the first reminder (7 days before the registration deadline of
    # 12 November) is due on 5 November, in the daytime.
    fixed_clock.current = datetime(2026, 11, 5, 13, 0, tzinfo=UTC)
    fake.fail_methods["sendMessage"] = 1  # Telegram fails once
    assert await sender.run_once() == 0  # stops at the failure; the rest waits for later
    assert not fake.bot_messages(flaky)
    fixed_clock.current += timedelta(minutes=5)
    assert await sender.run_once() == 0  # still leased to the failed attempt
    fixed_clock.current += timedelta(minutes=6)  # past the ten-minute lease
    assert await sender.run_once() == 1
    [reminder] = fake.bot_messages(flaky)
    assert "Напоминание" in reminder.body and "Постановка на миграционный учёт" in reminder.body
    assert "Последний день: 12.11.2026 (осталось дней: 7)." in reminder.body
    fixed_clock.current += timedelta(hours=1)
    assert await sender.run_once() == 0 and len(fake.bot_messages(flaky)) == 1


async def test_a_blocked_chat_is_tried_once(
    live: Live, fake, bot_for, fixed_clock, compiled_locales
):
    blocked = new_user_id()
    live.holder_with_card(blocked, "en")
    fake.blocked.add(blocked)
    sender = _sender(await bot_for(), compiled_locales)
    fixed_clock.current = datetime(2026, 11, 5, 13, 0, tzinfo=UTC)
    assert await sender.run_once() == 0

    def attempts() -> int:
        return len([c for c in fake.calls_of("sendMessage") if int(c.params["chat_id"]) == blocked])

    assert attempts() == 1 and not fake.bot_messages(blocked)
    fixed_clock.current += timedelta(hours=2)  # well past the lease: it was confirmed
    assert await sender.run_once() == 0 and attempts() == 1
