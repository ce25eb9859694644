"""The whole journey over long polling: the real bot process loop, a fake Telegram, the real
service. Uzbek phone → Uzbek greeting → consent → registration → card pending entry → a course
module passed → /card → the QR document decodes to a proof the verify endpoint accepts."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from bot.app import run_polling
from tests.bot.client import Chat
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.flows import document_number
from tests.bot.handlers.test_course import answer_key
from tests.bot.handlers.test_registration import cards_of
from tests.bot.harness import Service, bot_settings
from tests.bot.qr import decode_png

pytestmark = pytest.mark.anyio

# (how, what, the Uzbek text that must come back)
REGISTRATION = [
    ("say", "Каримов", "Ismingiz"),
    ("say", "Шухрат", "Familiyangiz lotin harflarida"),
    ("press", "Toʻgʻri", "Ismingiz lotin harflarida"),
    ("press", "Toʻgʻri", "Tugʻilgan sanangiz"),
    ("say", "01.05.1990", "Jinsingiz"),
    ("press", "Erkak", "Fuqaroligingiz"),
    ("press", "Oʻzbekiston", "Qaysi shaxsni tasdiqlovchi hujjat"),
    ("press", "Pasport", "Hujjatning seriyasi va raqami"),
    ("say", "DOCUMENT", "Tashrifingiz maqsadi"),
    ("press", "Ish", "Viza raqamingiz"),
    ("press", "Oʻtkazib yuborish", "Qachon kelasiz"),
    ("press", "Bugun", "Qaysi sanagacha"),
    ("press", "90 kun", "Rossiyada sizni kim qabul qiladi"),
    ("press", "Tashkilot", "Qabul qiluvchi tomon: tashkilot nomi"),
    ("say", "ООО «Стройка»", "Qabul qiluvchi tomonning Rossiyadagi manzili"),
    ("say", "Москва, ул. Ленина, 1", "Rossiyada boʻladigan hududingiz"),
    ("press", "Moskva viloyati", "Kasbingiz"),
    ("say", "quruvchi", "Kartangizni tekshiring"),
]


async def test_the_journey_over_long_polling(
    fake: FakeTelegram, service: Service, compiled_locales: Path
):
    settings = bot_settings(service.url, service.api_key, fake.url, compiled_locales)
    running = asyncio.create_task(run_polling(settings, polling_timeout=1, handle_signals=False))
    try:
        await fake.wait_for(lambda: fake.calls_of("getUpdates"), timeout=15)
        assert fake.calls_of("deleteWebhook")
        assert len(fake.calls_of("setMyCommands")) == 7  # six languages and the default

        chat = Chat(fake, language_code="uz")
        await chat.say("/start")
        await chat.expect("Assalomu alaykum! Men Onboard botiman.")
        await chat.expect("Shaxsiy maʼlumotlaringizni qayta ishlashga rozimisiz?")
        await chat.press("Roziman")
        await chat.expect("Bu karta kim uchun?")
        await chat.press("Oʻzim uchun")
        await chat.expect("Familiyangiz, pasportdagidek")
        number = document_number()
        for how, what, reply in REGISTRATION:
            what = number if what == "DOCUMENT" else what
            await (chat.say(what) if how == "say" else chat.press(what))
            await chat.expect(reply)
        await chat.press("Tasdiqlash")
        await chat.expect("Migratsiya kartangiz rasmiylashtirildi.")

        [card] = cards_of(service, chat)
        assert card["status"] == "pending_entry" and card["language"] == "uz"
        assert card["holder"]["document"]["number"] == number
        assert card["region"] == "RU-MOS"

        await chat.say("/course")
        await chat.expect("Moslashuv kursi")
        await chat.press(" 2. ")
        await chat.expect("1-sahifa")
        while "Keyingi ▶️" in chat.buttons():
            await chat.press("Keyingi ▶️")
            await chat.expect("sahifa")
        await chat.press("Testni topshirish")
        for option in answer_key("arriving-legally"):
            await chat.expect("savol")
            await chat.press(str(option + 1), exact=True)
        await chat.expect("Topshirildi!")
        progress = service.api("GET", f"/api/v1/persons/{card['person_id']}/course").json()
        assert progress["modules_passed"] == 1

        await chat.say("/card")
        shown = await chat.expect(card["number"])
        await fake.wait_for(lambda: chat.last.document is not None, timeout=10)
        assert shown.document is not None and shown.file_name == f"card-{card['number']}.png"
        verdict = service.verify(decode_png(shown.document))
        assert verdict["verdict"] == "pending_entry"
        assert verdict["card"]["number"] == card["number"]
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
