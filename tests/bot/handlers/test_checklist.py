"""/checklist in the bot: due dates from the card, items done by an integrator or by the holder,
reminders muted, forged buttons refused; and the printable card offered beside the QR."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from pypdf import PdfReader

from bot.app import moscow_today
from bot.callbacks import ChecklistCB, PermitCB
from tests.bot.flows import register
from tests.bot.handlers.test_registration import cards_of
from tests.bot.harness import BotUnderTest, Service
from tests.scan import read_qr

pytestmark = pytest.mark.anyio
REGISTRATION = "Migration registration at the place of stay"
BIOMETRICS = "Fingerprinting, photo and medical examination"


def _checklist(service: Service, card_id: str) -> dict[str, dict]:  # type: ignore[type-arg]
    r = service.api("GET", f"/api/v1/cards/{card_id}/checklist", params={"lang": "en"})
    assert r.status_code == 200, r.text
    return {item["id"]: item for item in r.json()["items"]}


def _enter(service: Service, card_id: str) -> None:
    r = httpx.post(
        f"{service.url}/api/v1/cards/{card_id}/entry",
        json={"crossing_point": "SVO"},
        headers=service.admin_headers(),
        timeout=15,
    )
    assert r.status_code == 200, r.text


def _ru(day: str) -> str:
    return date.fromisoformat(day).strftime("%d.%m.%Y")


async def test_no_card_no_checklist(tg: BotUnderTest):
    chat = tg.chat("en")
    await chat.say("/checklist")
    assert chat.text() == "You have no migration card yet. Fill one in with /register."


async def test_dates_appear_with_entry_and_follow_the_service(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await register(chat)
    [card] = cards_of(service, chat)
    await chat.say("/checklist")
    before = chat.text()
    assert f"Deadlines for card {card['number']}" in before
    # Before entry: one sentence that the deadlines start at the border, then the items.
    assert before.count("The deadlines start when the border officer records your entry.") == 1
    assert f"▫️ {REGISTRATION}" in before
    assert "no date yet" not in before
    assert "🔔 I will remind you here before each date" in before

    _enter(service, card["id"])
    await chat.press("Refresh")
    shown = chat.last.body
    items = _checklist(service, card["id"])
    due = items["migration-registration"]["due_on"]
    days = (date.fromisoformat(due) - moscow_today()).days
    assert f"⏳ <b>{REGISTRATION}</b>: by {_ru(due)} (days left: {days})" in shown
    assert "Ask your host" in shown  # how to do it, under each open item
    # Uzbek workers need a patent: the item is listed with its own date.
    assert "Work permit (patent) application" in shown
    assert items["stay-end"]["due_on"] == card["stay_until"]
    # The stay's end is met by leaving or an extension, never by a report: no button for it.
    assert not any("End of the permitted stay" in b for b in chat.buttons())
    assert any("Done: Migration registration" in b for b in chat.buttons())
    # The planned stay is labelled as planned, not as the legal limit.
    assert f"📅 Planned stay until {_ru(card['stay_until'])} (as written on the card)." in shown
    assert f"by {_ru(card['stay_until'])}" not in shown
    # ... and beside it the law's limit for the holder's regime (an Uzbek worker: a patent).
    assert "⚖️ The law's limit: Without a patent: at most 90 days in a calendar year" in shown


async def test_an_integrators_mark_shows_done_in_the_bot(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await register(chat)
    [card] = cards_of(service, chat)
    _enter(service, card["id"])
    key = service.cli("api-keys", "create", "host registry", "--scope", "cards:write")
    r = service.api(
        "POST",
        f"/api/v1/cards/{card['id']}/checklist/migration-registration/done",
        json={"evidence": "notice 77-123456"},
        headers={"X-API-Key": key.splitlines()[-1]},
    )
    assert r.status_code == 200, r.text
    await chat.say("/checklist")
    shown = chat.last.body
    today = moscow_today().strftime("%d.%m.%Y")
    assert f"✅ <b>{REGISTRATION}</b>: done on {today}" in shown
    assert "(as you reported)" not in shown
    assert not any(REGISTRATION[:20] in b for b in chat.buttons())  # nothing left to mark
    assert any(b.startswith("✅ Done: Fingerprinting") for b in chat.buttons())


async def test_the_holder_reports_an_item_done_on_a_chosen_day(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await register(chat)
    [card] = cards_of(service, chat)
    _enter(service, card["id"])
    await chat.say("/checklist")
    await chat.press("✅ Done: Fingerprinting")
    assert chat.last.body == f"When was it done: «{BIOMETRICS}»? Choose the date."
    assert chat.buttons()[:2] == ["Today", "Yesterday"]
    await chat.press("Yesterday", exact=True)
    answered = tg.fake.calls_of("answerCallbackQuery")[-1].params
    assert answered["text"] == f"Marked as done: {BIOMETRICS}."
    yesterday = moscow_today() - timedelta(days=1)
    item = _checklist(service, card["id"])["biometrics-and-medical"]
    assert item["status"] == "done"
    assert item["done"] == {
        "done_on": yesterday.isoformat(),
        "evidence": "reported by the holder in the Telegram bot",
        "self_reported": True,
    }
    shown = chat.last.body
    assert f"{BIOMETRICS}</b>: done on {yesterday:%d.%m.%Y} (as you reported)" in shown

    # The same button pressed again (an old message): the service refuses a second mark.
    stale = ChecklistCB(action="on", card=card["number"], item="biometrics-and-medical", days=0)
    await chat.press_data(stale.pack())
    assert tg.fake.calls_of("answerCallbackQuery")[-1].params["text"] == (
        "This is already marked as done."
    )
    assert _checklist(service, card["id"])["biometrics-and-medical"]["done"]["done_on"] == (
        yesterday.isoformat()
    )


async def test_earlier_dates_page_back(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await register(chat)
    [card] = cards_of(service, chat)
    _enter(service, card["id"])
    await chat.say("/checklist")
    await chat.press("✅ Done: Migration")
    await chat.press("◀️ Earlier")
    day = moscow_today() - timedelta(days=12)
    assert chat.buttons()[0] == day.strftime("%d.%m.%Y")
    await chat.press(day.strftime("%d.%m.%Y"))
    # Registration done before entry? The service takes the holder's word for the day.
    item = _checklist(service, card["id"])["migration-registration"]
    assert item["done"]["done_on"] == day.isoformat()


async def test_mute_and_unmute_a_cards_reminders(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await register(chat)
    [card] = cards_of(service, chat)
    await chat.say("/checklist")
    await chat.press("🔕 Mute reminders")
    assert "🔕 Reminders for this card are off." in chat.last.body
    assert "🔔 Turn reminders on" in chat.buttons()
    r = service.api("GET", f"/api/v1/cards/{card['id']}/checklist")
    assert r.json()["reminders_muted"] is True
    await chat.press("🔔 Turn reminders on")
    assert "🔔 I will remind you here" in chat.last.body
    assert (
        service.api("GET", f"/api/v1/cards/{card['id']}/checklist").json()["reminders_muted"]
        is False
    )


async def test_buttons_for_another_accounts_card_do_nothing(tg: BotUnderTest, service: Service):
    owner = tg.chat("en")
    await register(owner)
    [card] = cards_of(service, owner)
    _enter(service, card["id"])
    intruder = tg.chat("en")
    await intruder.say("/help")
    for action in ("show", "mute", "on"):
        forged = ChecklistCB(action=action, card=card["number"], item="migration-registration")
        await intruder.press_data(forged.pack())
        answered = tg.fake.calls_of("answerCallbackQuery")[-1].params
        assert answered["text"] == "This button is out of date. Please use the latest message."
    listing = service.api("GET", f"/api/v1/cards/{card['id']}/checklist").json()
    assert listing["reminders_muted"] is False
    assert all(item["done"] is None for item in listing["items"])


async def test_checklist_in_the_holders_language(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await register(chat)
    [card] = cards_of(service, chat)
    _enter(service, card["id"])
    await chat.say("/language")
    await chat.press("Oʻzbekcha")
    await chat.say("/checklist")
    shown = chat.last.body
    assert f"{card['number']} karta boʻyicha muddatlar" in shown
    assert "Yashash joyida migratsiya hisobiga qoʻyilish" in shown  # the policy's own title
    assert "qolgan kunlar" in shown


async def test_the_card_as_a_pdf_to_print(tg: BotUnderTest, service: Service, tmp_path: Path):
    chat = tg.chat("en")
    await register(chat)
    [card] = cards_of(service, chat)
    await chat.say("/card")
    await chat.press("🖨 PDF for printing")
    sent = chat.last
    assert sent.file_name == f"e-card-{card['number']}.pdf"
    assert sent.document is not None and sent.document.startswith(b"%PDF")
    assert "print it on A6 or A5 paper" in sent.body
    reader = PdfReader(io.BytesIO(sent.document))
    assert len(reader.pages) == 1 and card["number"] in reader.pages[0].extract_text()
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    (tmp_path / "card.pdf").write_bytes(sent.document)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "card.pdf", "card"],
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    [decoded] = read_qr(Image.open(tmp_path / "card.png"))
    assert service.verify(decoded)["verdict"] == "pending_entry"


async def test_the_holder_records_the_patent_and_a_payment(tg: BotUnderTest, service: Service):
    """ "I got my patent" (issue day by button, paid-until typed from the receipt), then "I
    paid" (day and months by buttons): the checklist shows the dates the service gives."""
    chat = tg.chat("en")
    await register(chat)  # an Uzbek worker: a patent worker
    [card] = cards_of(service, chat)
    await chat.say("/checklist")
    assert not any("I got my patent" in b for b in chat.buttons())  # not before entry
    _enter(service, card["id"])
    await chat.press("Refresh")
    assert not any("Done: Monthly patent payment" in b for b in chat.buttons())
    await chat.press("I got my patent")
    assert "On which day was your patent issued?" in chat.last.body
    await chat.press("Today", exact=True)
    issued = moscow_today()
    assert f"Patent issued on {issued.strftime('%d.%m.%Y')}." in chat.last.body
    assert "Until which day is the patent paid?" in chat.last.body
    prompt = chat.last
    await chat.say("yesterday-ish")
    assert "Please write the date as DD.MM.YYYY" in chat.last.body
    paid_until = issued + timedelta(days=29)
    await chat.say(paid_until.strftime("%-d.%-m.%Y"))  # as typed, without leading zeros
    shown = chat.last.body
    assert f"✅ Patent recorded, paid until {_ru(paid_until.isoformat())}." in shown
    assert prompt.buttons() == []  # answered by typing: its Cancel button is gone
    items = _checklist(service, card["id"])
    assert items["patent-payment"]["due_on"] == paid_until.isoformat()
    assert f"<b>Monthly patent payment</b>: by {_ru(paid_until.isoformat())}" in shown
    contract = items["contract-copy"]["due_on"]
    assert f"<b>Copy of the employment contract to MVD</b>: by {_ru(contract)}" in shown
    assert items["work-permit"]["status"] == "done"

    await chat.press("I paid for the patent")
    assert "On which day did you pay for the patent?" in chat.last.body
    await chat.press("Today", exact=True)
    assert "for how many months did you pay?" in chat.last.body
    await chat.press("3", exact=True)
    [permit] = service.api("GET", f"/api/v1/cards/{card['id']}/permits").json()
    assert permit["payments"][0]["months"] == 3
    new_until = permit["paid_until"]
    assert new_until > paid_until.isoformat()
    shown = chat.last.body
    assert f"✅ Payment recorded: the patent is paid until {_ru(new_until)}." in shown
    assert f"<b>Monthly patent payment</b>: by {_ru(new_until)}" in shown
    assert await tg.fsm(chat) == (None, {})


async def test_patent_buttons_for_another_accounts_card_do_nothing(
    tg: BotUnderTest, service: Service
):
    owner = tg.chat("en")
    await register(owner)
    [card] = cards_of(service, owner)
    _enter(service, card["id"])
    intruder = tg.chat("en")
    await intruder.say("/help")
    for forged in (
        PermitCB(action="issue", card=card["number"]),
        PermitCB(action="issued", card=card["number"]),
        PermitCB(action="months", card=card["number"], months=1),
    ):
        await intruder.press_data(forged.pack())
        answered = tg.fake.calls_of("answerCallbackQuery")[-1].params
        assert answered["text"] == "This button is out of date. Please use the latest message."
    assert service.api("GET", f"/api/v1/cards/{card['id']}/permits").json() == []
    assert (await tg.fsm(intruder))[0] is None
