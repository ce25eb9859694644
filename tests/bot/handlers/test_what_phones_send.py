"""What real users type, through the bot against the real service and a fake Telegram that
refuses what Telegram refuses (tests/bot/telegram_rules.py): markup characters, the longest
answers, emoji and right-to-left text must reach the user, never a refused message."""

from __future__ import annotations

import pytest

from tests.bot.flows import fill_until, register
from tests.bot.harness import BotUnderTest, Service
from tests.bot.telegram_rules import parse_html, refusal

pytestmark = pytest.mark.anyio

HOST = "<b>Roga & Kopyta <i>*_[x](y)_* &amp; 🏗️"
ADDRESS = ("ул. <Ленина> & Co, д. 1 — שלום עליכם 🏠 " * 10)[:300]
OCCUPATION = ("<b сварщик & монтажник" + "_*[" * 40)[:120]


def test_the_fake_refuses_what_telegram_refuses() -> None:
    assert refusal("sendMessage", {"text": "a <b", "parse_mode": "HTML"}) is not None
    assert refusal("sendMessage", {"text": "R & K", "parse_mode": "HTML"}) is not None
    assert refusal("sendMessage", {"text": "x" * 4097}) == "message is too long"
    assert refusal("sendDocument", {"caption": "x" * 1025}) == "message caption is too long"
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "d" * 65}]]}
    assert refusal("sendMessage", {"text": "a", "reply_markup": markup}) is not None
    assert parse_html("<b>R &amp; K &lt;i&gt;</b>") == "R & K <i>"


async def test_markup_characters_and_the_longest_answers_reach_the_user(
    tg: BotUnderTest, service: Service
):
    chat = tg.chat("en")
    answers = {
        "host_name": ("say", HOST),
        "host_address": ("say", ADDRESS),
        "occupation": ("say", OCCUPATION),
    }
    await register(chat, **answers)
    assert tg.fake.refused == []
    shown = [parse_html(m.body) for m in chat.messages]
    assert any(HOST in text and ADDRESS in text and OCCUPATION in text for text in shown)
    assert "Your migration card is registered." in chat.text()
    await chat.say("/card")
    await chat.say("/checklist")
    assert tg.fake.refused == []
    assert all(c.params.get("parse_mode") == "HTML" for c in tg.fake.calls_of("sendMessage"))


STICKER = {
    "file_id": "s1",
    "file_unique_id": "s1",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


async def test_what_the_form_cannot_take_gets_its_question_again(tg: BotUnderTest):
    """At "for whom" and at the confirmation the answer is a button: a sticker, a location
    or a typed "yes" is told so, with the pending question again (not the main menu)."""
    chat = tg.chat("en")
    await chat.say("/register")
    await chat.press("I agree")
    await chat.say(None, sticker=STICKER)
    assert "Please choose one of the buttons." in chat.text()
    assert "Me" in " ".join(chat.buttons())
    await chat.press("Me")
    await fill_until(chat)
    for typed, extra in (("yes", {}), (None, {"location": {"latitude": 55.7, "longitude": 37.6}})):
        await chat.say(typed, **extra)
        assert "Please choose one of the buttons." in chat.text()
        assert "✅ Confirm" in chat.buttons()
        assert (await tg.fsm(chat))[0] == "Registration:confirm"
    await chat.press("Confirm")
    assert "Your migration card is registered." in chat.text()


async def test_an_unknown_command_in_the_form_gets_the_question_again(tg: BotUnderTest):
    chat = tg.chat("en")
    await chat.say("/register")
    await chat.press("I agree")
    await chat.press("Me")
    await chat.say("/whatever")
    assert "I did not understand" in chat.text() and "Your surname" in chat.last.body
    assert (await tg.fsm(chat))[0] == "Registration:surname"


async def test_names_as_phones_encode_them(tg: BotUnderTest, service: Service):
    """A letter with its mark as two code points ("й" as и + U+0306, as pasted text and some
    keyboards give it) is a letter; direction marks that RTL keyboards add are invisible."""
    chat = tg.chat("en")
    await register(
        chat,
        surname=("say", "\u200fКаримов\u200e"),
        given_names=("say", "Серге\u0438\u0306"),
    )
    assert "Your migration card is registered." in chat.text()
    response = service.api("GET", "/api/v1/cards", params={"telegram_user_id": chat.user_id})
    [card] = response.json()["items"]
    assert (card["holder"]["surname"], card["holder"]["given_names"]) == ("Каримов", "Сергей")
