"""/card: status and key facts, the QR as a PNG document an officer's scan accepts."""

from __future__ import annotations

import httpx
import pytest

from bot.callbacks import CardCB
from tests.bot.conftest import BotUnderTest, Service
from tests.bot.flows import register
from tests.bot.qr import decode_png
from tests.bot.test_registration import cards_of

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
    await register(chat, surname=("say", "Каримова"), given_names=("say", "Дильноза"))
    first, second = cards_of(service, chat)
    await chat.say("/card")
    shown = chat.last
    assert second["number"] in shown.body  # the newest card first
    assert f"🪪 {first['number']} KARIMOV" in [b["text"] for b in shown.buttons()]
    await chat.press(f"{first['number']} KARIMOV")
    assert first["number"] in chat.last.body and chat.last.document is not None
    assert service.verify(decode_png(chat.last.document))["card"]["number"] == first["number"]
    assert f"🪪 {second['number']} KARIMOVA" in chat.buttons()


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
