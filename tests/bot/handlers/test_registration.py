"""Registration through the bot's handlers (Dispatcher.feed_update), against the real service."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest

from bot.app import moscow_today
from bot.callbacks import ChoiceCB
from tests.bot.client import Chat
from tests.bot.flows import document_number, fill_until, register
from tests.bot.harness import BotUnderTest, Service

pytestmark = pytest.mark.anyio


def cards_of(service: Service, chat: Chat) -> list[dict]:
    response = service.api("GET", "/api/v1/cards", params={"telegram_user_id": chat.user_id})
    response.raise_for_status()
    return list(response.json()["items"])


async def start_registration(chat: Chat) -> None:
    await chat.say("/register")
    await chat.press("I agree")
    await chat.press("Me")


async def test_a_full_registration_issues_a_pending_card(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    given = await register(chat)
    assert "Your migration card is registered." in chat.text()
    [card] = cards_of(service, chat)
    assert card["status"] == "pending_entry"
    assert card["number"] in chat.text()
    holder = card["holder"]
    assert (holder["surname"], holder["given_names"]) == ("Каримов", "Шухрат")
    assert (holder["surname_latin"], holder["given_names_latin"]) == ("KARIMOV", "SHUKHRAT")
    assert holder["date_of_birth"] == "1990-05-01" and holder["sex"] == "M"
    assert holder["citizenship"] == "UZB"
    assert holder["document"] == {"type": "passport", "number": given["document_number"]}
    assert card["purpose"] == "work" and card["visa_number"] is None
    assert card["planned_stay"]["from"] == moscow_today().isoformat()
    assert card["host"] == {
        "kind": "organisation",
        "name": "ООО «Стройка»",
        "address": "Москва, ул. Ленина, 1",
    }
    assert card["region"] == "RU-MOW" and card["occupation"] == "builder"
    assert card["language"] == "en" and card["telegram_user_id"] == chat.user_id
    # The answers are personal data: gone from the FSM storage once the card is issued.
    assert await tg.fsm(chat) == (None, {})


async def test_the_confirmation_shows_every_answer(tg: BotUnderTest):
    chat = tg.chat("en")
    await start_registration(chat)
    given = await fill_until(chat)
    summary = chat.last.body
    for label in ("Surname", "Date of birth", "Citizenship", "Document number", "Host's address"):
        assert label in summary
    assert given["document_number"] in summary and "Uzbekistan" in summary
    assert {"✅ Confirm", "✏️ Names", "✏️ Dates of stay", "✖️ Cancel"} <= set(chat.buttons())


# Each step's checks, as the user sees them: the reason, then the same question again.
INVALID = [
    ("surname", "Karimov2", "A name may contain only letters"),
    ("surname", "K" * 101, "at most 100 characters"),
    ("given_names", "Шухрат!", "A name may contain only letters"),
    ("surname_latin", "КАРИМОВ", "Please use only Latin letters A–Z"),
    ("date_of_birth", "May 1990", "Please write the date as DD.MM.YYYY"),
    ("date_of_birth", "17.4", "Please write the date as DD.MM.YYYY"),
    ("date_of_birth", "30.02.1990", "There is no such date"),
    ("date_of_birth", "01.01.2090", "cannot be in the future"),
    ("date_of_birth", "01.01.1890", "cannot be before 1900"),
    ("sex", "man or woman", "Please choose one of the buttons."),
    ("citizenship", "Atlantis", "I do not know this country"),
    ("citizenship", "Russia", "Citizens of Russia do not need a migration card."),
    ("document_type", "my papers", "Please choose one of the buttons."),
    ("document_number", "123", "5 to 20 Latin letters and digits"),
    ("document_number", "АБ123456", "type the letters of the number in Latin"),
    ("purpose", "working", "Please choose one of the buttons."),
    ("visa_number", "VISA", "A visa number has 5 to 20"),
    ("visa_number", "ВИЗА12345", "type the visa number in Latin letters"),
    ("stay_from", "01.01.1980", "cannot be before your date of birth"),
    ("stay_from", (date.today() + timedelta(days=500)).strftime("%d.%m.%Y"), "within a year"),
    ("stay_until", "01.01.2000", "cannot be before the arrival date"),
    ("stay_until", (date.today() + timedelta(days=2000)).strftime("%d.%m.%Y"), "five years"),
    ("host_kind", "ООО", "Please choose one of the buttons."),
    ("host_name", "x" * 201, "at most 200 characters"),
    ("host_address", "y" * 301, "at most 300 characters"),
    ("region", "Atlantis", "I do not know this region"),
    ("occupation", "z" * 121, "at most 120 characters"),
]


@pytest.mark.parametrize(
    ("step", "bad", "reason"), INVALID, ids=[f"{s}-{r[:20]}" for s, _, r in INVALID]
)
async def test_each_step_explains_what_is_wrong(tg: BotUnderTest, step: str, bad: str, reason: str):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat, stop=step)
    question = chat.last.body
    await chat.say(bad)
    reply = chat.last.body
    assert reply.startswith("⚠️ ") and reason in reply
    assert question.split("\n\n")[-1].split("\n")[0] in reply  # and the question again
    assert (await tg.fsm(chat))[0] == f"Registration:{step}"
    assert step not in (await tg.fsm(chat))[1].get("answers", {})


async def test_a_stay_that_has_already_ended(tg: BotUnderTest):
    chat = tg.chat("en")
    await start_registration(chat)
    arrived = (moscow_today() - timedelta(days=300)).strftime("%d.%m.%Y")
    await fill_until(chat, stop="stay_until", stay_from=("say", arrived))
    await chat.say((moscow_today() - timedelta(days=10)).strftime("%d.%m.%Y"))
    assert "The end of the stay cannot be in the past." in chat.last.body
    await chat.press("30 days")  # counted from today when the arrival is past
    assert "Who receives you in Russia" in chat.last.body


async def test_each_step_explains_in_the_users_language(tg: BotUnderTest):
    chat = tg.chat("uz")
    await chat.say("/register")
    await chat.press("Roziman")
    await chat.press("Oʻzim uchun")
    await chat.say("Karimov2")
    assert "Ismda faqat harflar" in chat.last.body


async def test_a_photo_where_text_is_expected(tg: BotUnderTest):
    chat = tg.chat("en")
    await start_registration(chat)
    photo = [{"file_id": "p1", "file_unique_id": "u1", "width": 10, "height": 10}]
    await chat.say(None, photo=photo)
    assert "Please answer with a text message." in chat.last.body
    assert (await tg.fsm(chat))[0] == "Registration:surname"


@pytest.mark.parametrize("stop", ["given_names", "citizenship", "region", None])
async def test_cancel_anywhere_deletes_the_answers(tg: BotUnderTest, stop: str | None):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat, stop=stop)
    assert (await tg.fsm(chat))[1]
    await chat.say("/cancel")
    assert chat.text() == "Stopped. Your answers are deleted."
    assert await tg.fsm(chat) == (None, {})
    await chat.say("Каримов")  # no longer an answer to anything
    assert "I did not understand" in chat.text()


async def test_the_cancel_button(tg: BotUnderTest):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat, stop="sex")
    await chat.press("Cancel")
    assert "Stopped. Your answers are deleted." in chat.text()
    assert await tg.fsm(chat) == (None, {})


async def test_nothing_to_cancel(tg: BotUnderTest):
    chat = tg.chat("en")
    await chat.say("/cancel")
    assert chat.text() == "There is nothing to cancel."


async def test_editing_from_the_confirmation(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat)
    await chat.press("Dates of stay")
    assert "When do (or did) you arrive?" in chat.last.body
    await chat.press("Tomorrow")
    await chat.press("30 days")
    assert chat.last.body.startswith("<b>Please check your card:</b>")
    await chat.press("Names")
    await chat.say("Рахимов")
    await chat.press("Skip")  # no given names this time: their Latin form is not asked
    assert "<b>RAKHIMOV</b>" in chat.last.body  # the Latin form shown before it is confirmed
    await chat.press("Correct")
    assert "Please check your card:" in chat.last.body and "Рахимов" in chat.last.body
    assert "Surname (Latin): <b>RAKHIMOV</b>" in chat.last.body
    await chat.press("Confirm")
    [card] = cards_of(service, chat)
    assert card["holder"]["surname"] == "Рахимов" and card["holder"]["given_names"] is None
    start = date.fromisoformat(card["planned_stay"]["from"])
    assert date.fromisoformat(card["planned_stay"]["until"]) == start + timedelta(days=30)


async def test_no_consent_no_registration(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await chat.say("/register")
    assert "I need your consent" in chat.text() and "Do you agree" in chat.last.body
    await chat.press("I do not agree")
    assert "Without consent I cannot register a card" in chat.text()
    assert await tg.fsm(chat) == (None, {})
    await chat.say("Каримов")
    assert "I did not understand" in chat.text()
    profile = service.api("GET", f"/api/v1/telegram-users/{chat.user_id}").json()
    assert profile["consent_given_at"] is None


async def test_consent_is_recorded_with_its_version(tg: BotUnderTest, service: Service):
    chat = tg.chat("kk")
    await chat.say("/register")
    await chat.press("Келісемін")
    profile = service.api("GET", f"/api/v1/telegram-users/{chat.user_id}").json()
    assert profile["consent_version"] == "2026-11" and profile["consent_given_at"]
    assert profile["language"] == "kk"
    assert "Бұл карта кімге арналған?" in chat.last.body  # the first question, in Kazakh
    await chat.press("Өзіме")
    assert "Тегіңіз" in chat.last.body
    await chat.say("/cancel")
    await chat.say("/register")  # consent is not asked twice
    assert "Бұл карта кімге арналған?" in chat.last.body


async def test_register_again_resumes_where_the_user_stopped(tg: BotUnderTest):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat, stop="sex")
    await chat.say("/help")
    await chat.say("/register")
    assert "let us continue where you stopped" in chat.text()
    assert "Your sex, as in your passport:" in chat.last.body
    await chat.press("Female")
    assert "Your citizenship" in chat.last.body


async def test_unfinished_answers_expire(tg: BotUnderTest):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat, stop="sex")
    context = tg.dispatcher.fsm.get_context(tg.bot, chat.user_id, chat.user_id)
    await context.update_data(expires=time.time() - 1)
    await chat.press("Male")
    assert "deleted after a long pause" in chat.text()
    assert await tg.fsm(chat) == (None, {})
    await chat.say("/register")
    assert "For whom is this card?" in chat.last.body


async def test_a_name_matching_several_countries(tg: BotUnderTest):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat, stop="citizenship")
    await chat.say("Korea")
    assert "Several match. Which one?" in chat.last.body
    assert {"South Korea", "North Korea"} <= set(chat.buttons())
    await chat.press("South Korea")
    assert "Which identity document" in chat.last.body
    assert (await tg.fsm(chat))[1]["answers"]["citizenship"] == "KOR"


async def test_typed_country_and_region_names(tg: BotUnderTest, service: Service):
    chat = tg.chat("ru")
    await chat.say("/register")
    await chat.press("Я согласен")
    await chat.press("Для меня")
    overrides: dict[str, Any] = {
        "citizenship": ("say", "Таджикистан"),
        "region": ("say", "Татарстан"),
        "sex": ("press", "Мужской"),
        "document_type": ("press", "Паспорт"),
        "surname_latin": ("press", "Верно"),
        "given_names_latin": ("press", "Верно"),
        "purpose": ("press", "Работа"),
        "visa_number": ("press", "Пропустить"),
        "stay_from": ("press", "Сегодня"),
        "stay_until": ("press", "90 дн."),
        "host_kind": ("press", "Организация"),
    }
    await fill_until(chat, **overrides)
    await chat.press("Подтвердить")
    [card] = cards_of(service, chat)
    assert card["holder"]["citizenship"] == "TJK" and card["region"] == "RU-TA"
    assert card["language"] == "ru"


async def test_the_list_of_all_regions(tg: BotUnderTest):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat, stop="region")
    await chat.press("All regions")
    assert "1/9" in chat.buttons()
    await chat.press("▶️")
    assert "2/9" in chat.buttons()
    await chat.press("◀️")
    assert "1/9" in chat.buttons()
    first = chat.buttons()[0]
    await chat.press(first)
    assert "Your occupation" in chat.last.body
    assert (await tg.fsm(chat))[1]["answers"]["region"].startswith("RU-")


async def test_a_button_from_another_step_is_stale(tg: BotUnderTest, fake):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat, stop="citizenship")
    await chat.press_data(ChoiceCB(field="sex", value="F").pack())
    answer = fake.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == "This button is out of date. Please use the latest message."
    state, data = await tg.fsm(chat)
    assert state == "Registration:citizenship" and data["answers"]["sex"] == "M"


async def test_a_button_of_a_finished_registration_is_stale(tg: BotUnderTest, fake):
    chat = tg.chat("en")
    await register(chat)
    await chat.press_data(ChoiceCB(field="sex", value="F").pack())
    answer = fake.calls_of("answerCallbackQuery")[-1].params
    assert "out of date" in answer["text"]
    assert chat.texts() == []  # nothing else happens


async def test_the_latin_form_is_shown_before_it_is_confirmed(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await start_registration(chat)
    await chat.say("Тошматов")
    await chat.say("Шерзод")
    shown = chat.last.body
    assert "In Latin letters your surname will be printed as:\n<b>TOSHMATOV</b>" in shown
    assert "machine-readable" not in shown
    await chat.press("Correct")
    assert "your given names will be printed as:\n<b>SHERZOD</b>" in chat.last.body
    await chat.press("I'll type it")  # the passport says otherwise
    assert chat.last.body.startswith("Your given names in Latin letters, exactly as printed")
    assert chat.buttons() == ["✖️ Cancel"]
    await chat.say("sherzod")
    assert "Your date of birth" in chat.last.body
    await fill_until(chat, start="date_of_birth")
    summary = chat.last.body
    assert "Surname (Latin): <b>TOSHMATOV</b>" in summary
    assert "Given names (Latin): <b>SHERZOD</b>" in summary
    await chat.press("Confirm")
    [card] = cards_of(service, chat)
    assert (card["holder"]["surname_latin"], card["holder"]["given_names_latin"]) == (
        "TOSHMATOV",
        "SHERZOD",
    )


async def test_a_name_in_another_script_needs_its_latin_form(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await start_registration(chat)
    await chat.say("王")
    await chat.press("Skip")  # no given names
    assert "✅ Correct" not in chat.buttons()
    await chat.press_data(ChoiceCB(field="surname_latin", value="-").pack())
    assert "This answer is required." in fake_alert(tg)
    await chat.say("WANG")
    assert "Your date of birth" in chat.last.body
    await fill_until(chat, start="date_of_birth")
    await chat.press("Confirm")
    [card] = cards_of(service, chat)
    assert card["holder"]["surname"] == "王" and card["holder"]["surname_latin"] == "WANG"


def fake_alert(tg: BotUnderTest) -> str:
    return str(tg.fake.calls_of("answerCallbackQuery")[-1].params.get("text", ""))


async def test_a_second_open_card_for_the_same_person(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    given = await register(chat)
    number = given["document_number"]
    await register(chat, whom="A family member", document_number=("say", number))
    assert "already has an open migration card" in chat.text()
    assert await tg.fsm(chat) == (None, {})
    assert len(cards_of(service, chat)) == 1


async def test_me_again_with_an_open_card_is_told_at_once(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await register(chat)
    await chat.say("/register")
    await chat.press("Me")
    assert chat.last.body == "You already have an open migration card. See it with /card."
    assert await tg.fsm(chat) == (None, {})


async def test_a_document_registered_to_someone_else(tg: BotUnderTest, service: Service):
    first = tg.chat("en")
    given = await register(first)
    second = tg.chat("en")
    await register(
        second, surname=("say", "Иванов"), document_number=("say", given["document_number"])
    )
    assert "already registered with other personal data" in second.last.body
    assert "series and number" in second.last.body
    state, data = await tg.fsm(second)
    assert state == "Registration:document_number" and data["answers"]["surname"] == "Иванов"
    await second.say(document_number())
    assert "Please check your card:" in second.last.body  # straight back to the summary
    await second.press("Confirm")
    assert "Your migration card is registered." in second.text()
    assert len(cards_of(service, second)) == 1


@pytest.mark.parametrize(
    ("step", "typed", "read_as"),
    [
        ("date_of_birth", "17.4.96", "Date of birth: <b>17.04.1996</b>"),
        ("date_of_birth", "17 aprel 1996", "Date of birth: <b>17.04.1996</b>"),
        ("date_of_birth", "17 апреля 1996 г.", "Date of birth: <b>17.04.1996</b>"),
        ("date_of_birth", "5 қаңтар 2001", "Date of birth: <b>05.01.2001</b>"),
        ("date_of_birth", "05/11/1998", "Date of birth: <b>05.11.1998</b>"),
        ("date_of_birth", "3.2.05", "Date of birth: <b>03.02.2005</b>"),
        ("citizenship", "ozbekiston", "Citizenship: <b>Uzbekistan</b>"),
        ("citizenship", "Таджикистан", "Citizenship: <b>Tajikistan</b>"),
        ("citizenship", "qirgʻiziston", "Citizenship: <b>Kyrgyzstan</b>"),
        ("region", "moskva oblast", "Region: <b>Moscow Oblast</b>"),
        ("region", "Казань", "Region: <b>Tatarstan</b>"),
        ("region", "Екатеринбург", "Region: <b>Sverdlovsk Oblast</b>"),
        ("region", "Нижний Новгород", "Region: <b>Nizhegorodskaya oblast'</b>"),
    ],
)
async def test_typing_as_people_type(tg: BotUnderTest, step: str, typed: str, read_as: str):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat, stop=step)
    await chat.say(typed)
    assert "⚠️" not in chat.last.body
    assert chat.last.body.startswith("✔️ " + read_as)  # said back, never guessed silently


async def test_a_region_typed_that_matches_several_is_asked_back(tg: BotUnderTest):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat, stop="region")
    await chat.say("Kar")
    assert chat.last.body == "Several match. Which one?"
    assert {"Kareliya, Respublika", "Karachayevo-Cherkesskaya Respublika"} <= set(chat.buttons())


async def test_regions_are_named_in_the_users_language(tg: BotUnderTest):
    chat = tg.chat("uz")
    await chat.say("/register")
    await chat.press("Roziman")
    await chat.press("Oʻzim uchun")
    await fill_until(
        chat,
        stop="region",
        sex=("press", "Erkak"),
        citizenship=("press", "Oʻzbekiston"),
        document_type=("press", "Pasport"),
        surname_latin=("press", "Toʻgʻri"),
        given_names_latin=("press", "Toʻgʻri"),
        purpose=("press", "Ish"),
        visa_number=("press", "Oʻtkazib yuborish"),
        stay_from=("press", "Bugun"),
        stay_until=("press", "90 kun"),
        host_kind=("press", "Tashkilot"),
    )
    await chat.press("Barcha hududlar")
    names = chat.buttons()
    assert "Амурская область" in names  # official Russian in Cyrillic, not "Amurskaya oblast'"
    assert not [n for n in names if "oblast'" in n or "Respublika" in n]
    await chat.say("Samarqand viloyati")  # not a Russian region
    assert "⚠️" in chat.last.body
    await chat.say("Самарская обл")
    assert chat.last.body.startswith("✔️ ") and "Самарская область" in chat.last.body


async def test_editing_keeps_current_values_and_asks_no_more_than_needed(tg: BotUnderTest):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat)
    await chat.press("✏️ Host")
    assert "↩️ Keep: An organisation" in chat.buttons()
    await chat.press("Keep: An organisation")
    assert "↩️ Keep: ООО «Стройка»" in chat.buttons()
    await chat.say("ООО «Дом»")  # only the name changes
    await chat.press("Keep: Москва, ул. Ленина, 1")
    summary = chat.last.body
    assert "Please check your card:" in summary and "ООО «Дом»" in summary
    assert "Москва, ул. Ленина, 1" in summary
    await chat.press("✏️ Purpose of visit")
    await chat.press("Study")
    assert chat.last.body.startswith("<b>Please check your card:</b>")  # no visa question


async def test_a_typed_answer_takes_the_buttons_off_its_question(tg: BotUnderTest):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat, stop="citizenship")
    question = chat.last
    assert question.buttons()
    await chat.say("Uzbekistan")
    assert question.buttons() == []  # answered: no live-looking buttons left behind
    assert chat.last.buttons()  # the next question has its own


async def test_a_host_not_known_yet_is_saved_as_unknown(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await start_registration(chat)
    await fill_until(chat, stop="host_name")
    await chat.say("bilmayman, brigadir aytadi")  # "I don't know, the foreman will tell me"
    assert chat.last.body.startswith("⚠️ If you do not know it yet, press «I don't know yet»")
    assert (await tg.fsm(chat))[0] == "Registration:host_name"
    await chat.press("I don't know yet")
    assert "The host's address" in chat.last.body
    await chat.say("I don't know yet")  # the button's label typed counts as the button
    await fill_until(chat, start="region")
    summary = chat.last.body
    assert "Host's name: <b>not known yet</b>" in summary
    assert "Host's address: <b>not known yet</b>" in summary
    await chat.press("Confirm")
    [card] = cards_of(service, chat)
    assert card["host"] == {"kind": "organisation", "name": None, "address": None}


async def test_the_latin_form_shown_is_the_one_the_service_prints(
    tg: BotUnderTest, service: Service
):
    """One spelling, the service's: the bot asks it (POST /reference/latin), never spells."""
    chat = tg.chat("en")
    await start_registration(chat)
    await chat.say("Ӑлиев")  # a Cyrillic letter with a mark: spelt by its base letter
    await chat.press("Skip")  # no given names
    answer = service.api("POST", "/api/v1/reference/latin", json={"name": "Ӑлиев"}).json()
    assert answer == {"name_latin": "ALIEV"}
    assert "your surname will be printed as:\n<b>ALIEV</b>" in chat.last.body
    await chat.press("Correct")
    assert "Your date of birth" in chat.last.body
    assert (await tg.fsm(chat))[1]["answers"]["surname_latin"] == "ALIEV"
