"""/card: status and key facts, the QR as a PNG document an officer's scan accepts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.callbacks import CardCB
from tests.bot.flows import begin, fill_until, register
from tests.bot.handlers.test_registration import cards_of
from tests.bot.harness import BotUnderTest, Service
from tests.bot.qr import decode_png

pytestmark = pytest.mark.anyio


async def test_no_card_yet(tg: BotUnderTest):
    chat = tg.chat("en")
    await chat.say("/card")
    assert chat.text() == "You have no migration card yet. Fill one in with /register."
    assert "📝 Fill in the card" in chat.buttons()


async def test_the_card_and_its_qr_as_a_document(tg: BotUnderTest, service: Service, fake):
    chat = tg.chat("en")
    await register(chat)
    [card] = cards_of(service, chat)
    await chat.say("/card")
    [message] = chat.since_mark()
    assert fake.calls_of("sendDocument") and not fake.calls_of("sendPhoto")
    assert message.file_name == f"card-{card['number']}.png"
    assert f"Migration card <b>{card['number']}</b>" in message.body
    assert "Status: registered, waiting for entry at the border" in message.body
    assert "Holder: Каримов Шухрат (KARIMOV SHUKHRAT)" in message.body
    assert message.buttons()[0]["text"] == "🔄 Refresh QR"
    assert message.document is not None
    verdict = service.verify(decode_png(message.document))
    assert verdict["verdict"] == "pending_entry"
    assert verdict["card"]["number"] == card["number"]


async def test_refresh_sends_a_fresh_qr_in_place_of_the_old(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await register(chat)
    await chat.say("/card")
    old = chat.last
    await chat.press("Refresh QR")
    assert old.deleted
    new = chat.last
    assert new.message_id != old.message_id and new.document is not None
    assert service.verify(decode_png(new.document))["verdict"] == "pending_entry"


async def test_a_family_switches_between_cards(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await register(chat)
    await register(
        chat,
        whom="A family member",
        surname=("say", "Каримова"),
        given_names=("say", "Дильноза"),
    )
    own, wife = cards_of(service, chat)
    await chat.say("/card")
    shown = chat.last
    assert own["number"] in shown.body  # the account holder's own card, not the newest
    assert "🪪 Каримова Дильноза" in [b["text"] for b in shown.buttons()]
    await chat.press("Каримова Дильноза")
    assert wife["number"] in chat.last.body and chat.last.document is not None
    assert service.verify(decode_png(chat.last.document))["card"]["number"] == wife["number"]
    assert "🪪 Каримов Шухрат (you)" in chat.buttons()


async def test_the_family_journey(tg: BotUnderTest, service: Service):
    """A worker registers himself, then his wife: her questions never say "your", and his own
    card stays the default for /card, /checklist and /course."""
    chat = tg.chat("en")
    await register(chat)
    await begin(chat, whom="A family member")
    assert chat.last.body == "Their surname, as in their passport:"
    since = chat.last.seq - 1
    await fill_until(
        chat,
        surname=("say", "Каримова"),
        given_names=("say", "Дильноза"),
        sex=("press", "Female"),
    )
    assert "Please check their card:" in chat.last.body
    await chat.press("Confirm")
    about_her = [m.body for m in chat.messages if m.seq > since]
    assert "Their surname, as in their passport:" in "\n".join(about_her)
    assert "The migration card of Каримова Дильноза is registered." in about_her[-1]
    assert not [text for text in about_her if "your" in text.lower()]
    own, wife = cards_of(service, chat)
    profile = service.api("GET", f"/api/v1/telegram-users/{chat.user_id}").json()
    assert profile["self_person_id"] == own["person_id"] != wife["person_id"]

    await chat.say("/card")
    assert own["number"] in chat.last.body
    assert service.verify(decode_png(chat.last.document))["card"]["number"] == own["number"]
    await chat.say("/checklist")
    assert f"Deadlines for card {own['number']}" in chat.last.body
    assert "🪪 Каримова Дильноза" in chat.buttons()
    await chat.say("/course")
    assert "Progress of Каримов Шухрат (you)" in chat.last.body


async def test_a_family_member_first_does_not_become_the_holder(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await register(chat, whom="A family member", surname=("say", "Каримова"))
    profile = service.api("GET", f"/api/v1/telegram-users/{chat.user_id}").json()
    assert profile["self_person_id"] is None
    await register(chat)
    wife, own = cards_of(service, chat)
    await chat.say("/card")
    assert own["number"] in chat.last.body
    assert "🪪 Каримова Шухрат" in chat.buttons()
    shown = chat.last
    await chat.press("Каримова Шухрат")  # her card: the flow moves on, his buttons go
    assert wife["number"] in chat.last.body
    assert shown.buttons() == [] and chat.last.buttons()


async def test_someone_elses_card_is_a_stale_button(tg: BotUnderTest, service: Service, fake):
    owner = tg.chat("en")
    await register(owner)
    [card] = cards_of(service, owner)
    other = tg.chat("en")
    await other.say("/card")
    await other.press_data(CardCB(action="show", card_id=card["id"]).pack())
    assert "out of date" in fake.calls_of("answerCallbackQuery")[-1].params["text"]
    assert not fake.calls_of("sendDocument")


async def test_a_revoked_card_has_no_qr(tg: BotUnderTest, service: Service, fake):
    chat = tg.chat("en")
    await register(chat)
    [card] = cards_of(service, chat)
    revoked = httpx.post(
        f"{service.url}/api/v1/cards/{card['id']}/revoke",
        json={"reason": "test: administrative decision"},
        headers=service.admin_headers(),
        timeout=10,
    )
    assert revoked.status_code == 200, revoked.text
    await chat.say("/card")
    assert "Status: revoked" in chat.last.body
    assert "A card in this status has no QR code." in chat.last.body
    assert not fake.calls_of("sendDocument")


async def test_the_menu_button_shows_the_card(tg: BotUnderTest):
    chat = tg.chat("uz")
    await chat.say("/start")
    await chat.press("Roziman")
    await chat.say("/cancel")
    await chat.say("/start")
    await chat.press("Kartam va QR")
    assert "Sizda hali migratsiya kartasi yoʻq" in chat.last.body


async def test_the_qr_in_one_tap_from_the_persistent_keyboard(tg: BotUnderTest, service: Service):
    chat = tg.chat("uz")
    await register_quickly(chat)
    await chat.say("/language")
    await chat.press("Oʻzbekcha")
    keyboard = chat.reply_keyboard()
    assert keyboard is not None and keyboard["is_persistent"] is True
    labels = [button["text"] for row in keyboard["keyboard"] for button in row]
    assert labels[0] == "🪪 QR" and "📋 Muddatlar" in labels  # the main actions in Uzbek
    [card] = cards_of(service, chat)
    await chat.say("🪪 QR")  # one tap
    [message] = chat.since_mark()
    assert message.document is not None
    assert service.verify(decode_png(message.document))["card"]["number"] == card["number"]
    assert message.body.startswith("🪪 <b>Каримов Шухрат</b>\nQR-kod ")
    proof = service.api("GET", f"/api/v1/cards/{card['id']}/proof").json()
    # The proof's expiry as the bot tells it: the Moscow date, in Uzbek words.
    day = datetime.fromisoformat(proof["expires_at"]).astimezone(ZoneInfo("Europe/Moscow")).date()
    assert f"{day.day}-" in message.body and str(day.year) in message.body
    assert [m.message_id for m in chat.fake.pinned(chat.user_id)] == [message.message_id]


@pytest.mark.parametrize(
    ("language", "asked"),
    [
        ("uz", "QR kod kerak"),
        ("ru", "покажи мою карту"),
        ("tg", "корти ман"),
        ("ky", "менин картам"),
        ("kk", "QR-код керек"),
        ("en", "my card please"),
    ],
)
async def test_asking_for_the_qr_in_words_opens_it(tg: BotUnderTest, language: str, asked: str):
    chat = tg.chat(language)
    await register_quickly(chat)
    await chat.say(asked)
    [message] = chat.since_mark()
    assert message.document is not None and message.file_name.startswith("card-")


async def test_a_refreshed_qr_replaces_the_pinned_one(tg: BotUnderTest, service: Service, fake):
    chat = tg.chat("en")
    await register(chat)
    await chat.say("/card")
    first = chat.last
    assert [m.message_id for m in fake.pinned(chat.user_id)] == [first.message_id]
    await chat.say("🪪 QR")
    second = chat.last
    assert [m.message_id for m in fake.pinned(chat.user_id)] == [second.message_id]
    assert int(fake.calls_of("unpinChatMessage")[-1].params["message_id"]) == first.message_id
    assert first.buttons() == [] and second.buttons()  # no live-looking buttons left behind
    await chat.press("Refresh QR")
    third = chat.last
    assert third.message_id not in (first.message_id, second.message_id)
    assert [m.message_id for m in fake.pinned(chat.user_id)] == [third.message_id]
    assert "valid until" in third.body


async def register_quickly(chat) -> None:
    """A card registered through the bot, in the English form whatever the chat's language."""
    await chat.say("/start")
    await chat.say("/language")
    await chat.press("English")
    await register(chat)
