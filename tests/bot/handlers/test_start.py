"""/start in the phone's language, /language, /help, the guide, the catch-all, throttling."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.app import set_commands
from bot.i18n import LANGUAGES, make_i18n
from tests.bot.harness import BotUnderTest, Service, bot_settings, make_bot_under_test

pytestmark = pytest.mark.anyio

GREETINGS = {
    "ru": "Здравствуйте! Я бот Onboard.",
    "en": "Hello! I am the Onboard bot.",
    "uz": "Assalomu alaykum! Men Onboard botiman.",
    "tg": "Салом! Ман боти Onboard ҳастам.",
    "ky": "Саламатсызбы! Мен Onboard ботумун.",
    "kk": "Сәлеметсіз бе! Мен Onboard ботымын.",
}


@pytest.mark.parametrize(
    ("language_code", "language"),
    [("uz", "uz"), ("tg", "tg"), ("ky", "ky"), ("kk", "kk"), ("en-GB", "en"), ("ru", "ru")]
    + [("de", "ru"), (None, "ru")],
)
async def test_start_greets_in_the_phones_language_and_keeps_it(
    tg: BotUnderTest, service: Service, language_code: str | None, language: str
):
    chat = tg.chat(language_code)
    await chat.say("/start")
    greeting, notice = chat.texts()
    assert greeting.startswith(GREETINGS[language])
    assert len(chat.last.buttons()) == 2  # agree / do not agree
    profile = service.api("GET", f"/api/v1/telegram-users/{chat.user_id}").json()
    assert profile["language"] == language


async def test_the_language_changes_everything_after_it(tg: BotUnderTest, service: Service, fake):
    chat = tg.chat("ru")
    await chat.say("/language")
    assert chat.last.body == "Выберите язык:"
    assert chat.buttons() == ["✓ Русский", "English", "Oʻzbekcha", "Тоҷикӣ", "Кыргызча", "Қазақша"]
    await chat.press("Кыргызча")
    assert chat.texts()[0] == "Даяр: сиз менен кыргызча сүйлөшөм."
    # The keyboard under the chat follows the language.
    keyboard = chat.reply_keyboard()
    assert keyboard is not None and keyboard["keyboard"][0][0]["text"] == "🪪 QR"
    assert chat.last.body == "Эмне кылгыңыз келет?"
    profile = service.api("GET", f"/api/v1/telegram-users/{chat.user_id}").json()
    assert profile["language"] == "ky"
    menu = fake.calls_of("setMyCommands")[-1].params
    assert menu["scope"] == {"type": "chat", "chat_id": chat.user_id}
    assert {"command": "card", "description": "Менин карталарым жана QR-коддор"} in menu["commands"]
    await chat.say("/start")  # the phone still says Russian; the account says Kyrgyz
    assert chat.texts()[0].startswith(GREETINGS["ky"])


async def test_the_language_follows_to_the_persons_cards(tg: BotUnderTest, service: Service):
    from tests.bot.flows import register
    from tests.bot.handlers.test_registration import cards_of

    chat = tg.chat("en")
    await register(chat)
    await chat.say("/language")
    await chat.press("Oʻzbekcha")
    [card] = cards_of(service, chat)
    person = service.api("GET", f"/api/v1/persons/{card['person_id']}")
    assert person.status_code == 200 and person.json()["language"] == "uz"


async def test_help_lists_the_commands(tg: BotUnderTest):
    chat = tg.chat("en")
    await chat.say("/help")
    text = chat.last.body
    for command in ("/register", "/card", "/course", "/guide", "/language", "/cancel", "/help"):
        assert command in text
    await chat.press("Help")
    assert chat.last.body == text


async def test_unknown_input_gets_a_hint(tg: BotUnderTest):
    chat = tg.chat("uz")
    await chat.say("salom")
    assert (
        chat.last.body == "Kechirasiz, tushunmadim. Menyu tugmalaridan yoki /help dan foydalaning."
    )
    await chat.say("/nosuchcommand")
    assert "tushunmadim" in chat.last.body
    sticker = {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1}
    await chat.say(None, sticker=sticker | {"is_animated": False, "is_video": False})
    assert "tushunmadim" in chat.last.body


async def test_garbage_and_old_buttons_are_answered_politely(tg: BotUnderTest, fake):
    chat = tg.chat("en")
    await chat.say("/start")
    for data in ("nonsense", "card:explode:1", "crs:page:no-such-module:0:0", "gd:no-such:0"):
        await chat.press_data(data)
        answer = fake.calls_of("answerCallbackQuery")[-1].params
        assert answer["text"] == "This button is out of date. Please use the latest message."


async def test_the_guide_by_section(tg: BotUnderTest):
    chat = tg.chat("en")
    await chat.say("/guide")
    assert "Guide to rules of behaviour" in chat.last.body
    sections = chat.buttons()
    assert len(sections) == 10 and "Police checks" in sections
    assert sections[-1] == "📖 Words to know"  # the course's glossary, last
    await chat.press("Police checks")
    assert chat.last.body.startswith("<b>Police checks</b>")
    assert "Page 1 of" in chat.last.body
    if "Next ▶️" in chat.buttons():
        await chat.press("Next ▶️")
        assert "Page 2 of" in chat.last.body
        await chat.press("◀️ Back")
    await chat.press("All sections")
    assert chat.buttons() == sections


async def test_the_glossary_is_the_course_s_own_words(tg: BotUnderTest, service: Service):
    """The guide's last button shows the course's glossary: the same terms the lessons use,
    in the user's language, on short screens."""
    chat = tg.chat("uz")
    await chat.say("/guide")
    await chat.press("📖 Muhim soʻzlar", exact=True)
    shown = chat.last.body
    assert shown.startswith("<b>Muhim soʻzlar</b>")
    glossary = httpx.get(f"{service.server.url}/api/v1/glossary", params={"lang": "uz"}).json()
    first = glossary["terms"][0]
    assert f"<b>{first['term']}</b> — {first['definition']}" in shown
    # (its screens are at most 700 characters: see the test below, which visits every button)


async def test_the_police_check_page_shows_the_qr_in_one_tap(tg: BotUnderTest, fake):
    chat = tg.chat("uz")
    await chat.say("/guide")
    await chat.press("Politsiya")
    assert "🪪 QR-kodimni koʻrsatish" in chat.buttons()
    await chat.press("QR-kodimni koʻrsatish")
    assert "Sizda hali migratsiya kartasi yoʻq" in chat.last.body  # no card yet: how to get one


async def test_no_guide_page_is_longer_than_a_screen(tg: BotUnderTest):
    for language in ("ru", "en", "uz", "tg", "ky", "kk"):
        chat = tg.chat(language)
        await chat.say("/guide")
        for section in range(len(chat.buttons())):
            await chat.say("/guide")
            await chat.press(chat.buttons()[section], exact=True)
            while True:
                page = chat.last.body.split("\n\n", 1)[1].rsplit("\n\n", 1)[0]
                assert len(page) <= 700, (language, section)
                nexts = [b for b in chat.buttons() if b.endswith("▶️")]
                if not nexts:
                    break
                await chat.press(nexts[0], exact=True)


async def test_the_guide_in_kazakh(tg: BotUnderTest):
    chat = tg.chat("kk")
    await chat.say("/guide")
    assert "Мінез-құлық ережелері туралы жадынама" in chat.last.body


async def test_command_menus_in_every_language(tg: BotUnderTest, fake, compiled_locales: Path):
    await set_commands(tg.bot, make_i18n(compiled_locales, "ru"))
    menus = {
        c.params.get("language_code"): c.params["commands"] for c in fake.calls_of("setMyCommands")
    }
    assert set(menus) == {*LANGUAGES, None}
    assert menus[None] == menus["ru"]
    descriptions = {lang: menus[lang][1]["description"] for lang in LANGUAGES}
    assert len(set(descriptions.values())) == len(LANGUAGES)
    assert [c["command"] for c in menus["uz"]] == [
        "start",
        "register",
        "card",
        "checklist",
        "course",
        "guide",
        "language",
        "help",
        "cancel",
    ]


async def test_a_burst_is_throttled(fake, service: Service, compiled_locales: Path):
    settings = bot_settings(
        service.url,
        service.api_key,
        fake.url,
        compiled_locales,
        bot_throttle_burst=3,
        bot_throttle_rate=0.01,
    )
    under_test = await make_bot_under_test(fake, settings)
    try:
        chat = under_test.chat("en")
        for _ in range(6):
            await chat.say("/help")
        texts = [m.body for m in chat.messages]
        assert sum("What I can do" in t for t in texts) == 3
        assert texts.count("Too many messages at once. Please wait a moment.") == 1
        other = under_test.chat("en")  # another user is not affected
        await other.say("/help")
        assert "What I can do" in other.last.body
    finally:
        await under_test.api.aclose()
        await under_test.bot.session.close()
