"""/course: module list with marks, lessons page by page, quizzes scored by the service."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import yaml

from bot.callbacks import AnswerCB
from tests.bot.client import Chat
from tests.bot.flows import register
from tests.bot.handlers.test_registration import cards_of
from tests.bot.harness import BotUnderTest, Service

pytestmark = pytest.mark.anyio
COURSE = Path(__file__).resolve().parents[3] / "content" / "adaptation_course"


def answer_key(slug: str) -> list[int]:
    """The right answers, from the course content (the API never serves them)."""
    quiz = yaml.safe_load((COURSE / "modules" / slug / "quiz.yaml").read_text())
    return [int(q["answer"]) for q in quiz["questions"]]


def module_order() -> list[str]:
    return list(yaml.safe_load((COURSE / "course.yaml").read_text())["modules"])


async def open_quiz(chat: Chat, position: int) -> None:
    """From /course: open the module and page through the lesson to its quiz."""
    await chat.say("/course")
    await chat.press(f" {position}. ")
    while "Next ▶️" in chat.buttons():
        await chat.press("Next ▶️")
    await chat.press("Take the quiz")


async def take_quiz(
    chat: Chat, answers: list[int], slug: str = "arriving-legally", language: str = "en"
) -> None:
    """Answer each question with the option ``answers`` gives in the authored order, wherever
    a retry shows that question and option (found by their text in the content)."""
    meta = yaml.safe_load((COURSE / "modules" / slug / "quiz.yaml").read_text())["questions"]
    texts = yaml.safe_load((COURSE / "modules" / slug / f"quiz.{language}.yaml").read_text())
    authored = {
        texts["questions"][q["id"]]["text"]: texts["questions"][q["id"]]["options"][answer]
        for q, answer in zip(meta, answers, strict=True)
    }
    for _ in answers:
        question, options = _shown_question(chat.last.body)
        await chat.press(str(options.index(authored[question]) + 1), exact=True)


async def test_the_module_list_marks_progress(tg: BotUnderTest):
    chat = tg.chat("en")
    await register(chat)
    await chat.say("/course")
    # The registered user is a patent worker: every module of the manifest is taught to them.
    total = len(module_order())
    assert f"Progress of Каримов Шухрат (you): 0 of {total} modules passed." in chat.last.body
    assert chat.buttons()[1] == "▫️ 2. Arriving legally"
    wrong = [(a + 1) % 3 for a in answer_key("arriving-legally")]
    await open_quiz(chat, 2)
    await take_quiz(chat, wrong)
    await chat.say("/course")
    assert chat.buttons()[1] == "🔁 2. Arriving legally"
    await open_quiz(chat, 2)
    await take_quiz(chat, answer_key("arriving-legally"))
    await chat.say("/course")
    assert chat.buttons()[1] == "✅ 2. Arriving legally"
    assert f"1 of {total} modules passed" in chat.last.body


async def test_lesson_pages_with_next_and_back(tg: BotUnderTest):
    chat = tg.chat("en")
    await chat.say("/course")
    assert "Register a card (/register) so that your quiz results are kept." in chat.last.body
    await chat.press("2. Arriving legally")
    lesson = chat.last
    assert lesson.body.startswith("<b>Arriving legally</b>")
    pages = int(lesson.body.rsplit(" of ", 1)[1].rstrip("</i>"))
    assert pages >= 2 and "Page 1 of" in lesson.body
    assert "◀️ Back" not in chat.buttons()
    await chat.press("Next ▶️")
    assert "Page 2 of" in chat.last.body and chat.last.message_id == lesson.message_id
    await chat.press("◀️ Back")
    assert "Page 1 of" in chat.last.body
    while "Next ▶️" in chat.buttons():
        await chat.press("Next ▶️")
    assert f"Page {pages} of {pages}" in chat.last.body
    assert "📝 Take the quiz" in chat.buttons()
    await chat.press("All modules")
    assert "Choose a module:" in chat.last.body


async def test_a_quiz_passed_with_explanations(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await register(chat)
    await open_quiz(chat, 2)
    assert "Question 1 of 5" in chat.last.body
    assert chat.buttons() == ["1", "2", "3"]
    await take_quiz(chat, answer_key("arriving-legally"))
    result = chat.last.body
    assert "Result: 5 of 5 right." in result and "Passed!" in result
    # The last answer's feedback, then each question named with its right answer.
    assert result.startswith("✅ Right!")
    assert result.count("✅") == 1 + 5 and "✅ 1. Who usually files the arrival notice" in result
    assert result.count("Right answer: ") == 5
    assert "🔁 Try again" not in chat.buttons()
    [card] = cards_of(service, chat)
    progress = service.api("GET", f"/api/v1/persons/{card['person_id']}/course").json()
    assert progress["modules_passed"] == 1


async def test_a_failed_quiz_can_be_retried(tg: BotUnderTest):
    chat = tg.chat("en")
    await register(chat)
    await open_quiz(chat, 2)
    key = answer_key("arriving-legally")
    await take_quiz(chat, [(a + 1) % 3 for a in key])
    result = chat.last.body
    assert "Result: 0 of 5 right." in result
    assert "Not passed yet: you need 4 right answers out of 5." in result
    assert result.count("❌") == 1 + 5  # the last answer's feedback, then the five results
    assert {"🔁 Try again", "📖 Read the lesson again"} <= set(chat.buttons())
    await chat.press("Try again")
    assert "Question 1 of 5" in chat.last.body
    await take_quiz(chat, key)
    assert "Passed!" in chat.last.body


async def test_an_answer_button_of_a_finished_quiz_is_stale(tg: BotUnderTest, fake):
    chat = tg.chat("en")
    await register(chat)
    await open_quiz(chat, 2)
    await chat.press("1", exact=True)
    await chat.press_data(AnswerCB(slug="arriving-legally", question=0, option=2).pack())
    assert "out of date" in fake.calls_of("answerCallbackQuery")[-1].params["text"]
    assert "Question 2 of 5" in chat.last.body


async def test_the_quiz_needs_a_card(tg: BotUnderTest):
    chat = tg.chat("en")
    await open_quiz(chat, 3)
    assert "To take the quiz, register your card first: /register." in chat.last.body


async def test_completing_the_course(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await register(chat)
    [card] = cards_of(service, chat)
    *first, last = module_order()
    for slug in first:  # the other modules passed elsewhere (another device, say)
        response = service.api(
            "POST",
            f"/api/v1/persons/{card['person_id']}/course/modules/{slug}/attempts",
            json={"answers": answer_key(slug)},
        )
        assert response.status_code == 201, response.text
    await open_quiz(chat, len(first) + 1)
    await take_quiz(chat, answer_key(last), last)
    assert "Congratulations! You have completed the adaptation course." in chat.text()
    await chat.say("/course")
    assert "The course is completed." in chat.last.body


async def test_the_course_in_the_users_language(tg: BotUnderTest):
    chat = tg.chat("tg")
    await chat.say("/course")
    assert "Курси мутобиқшавӣ" in chat.last.body
    assert not chat.buttons()[0].endswith("Arriving legally")


async def test_a_family_sees_each_persons_progress(tg: BotUnderTest):
    chat = tg.chat("en")
    await register(chat)
    await register(
        chat,
        whom="A family member",
        surname=("say", "Каримова"),
        given_names=("say", "Дильноза"),
    )
    await open_quiz(chat, 2)
    await take_quiz(chat, answer_key("arriving-legally"))
    await chat.say("/course")
    assert f"Progress of Каримов Шухрат (you): 1 of {len(module_order())}" in chat.last.body
    assert {"👤 Каримов Шухрат (you)", "Каримова Дильноза"} <= set(chat.buttons())
    await chat.press("Каримова Дильноза", exact=True)
    assert f"Progress of Каримова Дильноза: 0 of {len(module_order())}" in chat.last.body
    assert chat.buttons()[1].startswith("▫️")


def _shown_question(body: str) -> tuple[str, list[str]]:
    """The question's text and its numbered options, as on the screen."""
    blocks = html.unescape(body).split(
        "\n\n"
    )  # (feedback on the last answer,) title, text, options
    options = [line.split(". ", 1)[1] for line in blocks[-1].split("\n")]
    return blocks[-2], options


async def test_the_quiz_teaches_and_a_retry_is_shuffled(tg: BotUnderTest):
    chat = tg.chat("en")
    await register(chat)
    key = answer_key("arriving-legally")
    await open_quiz(chat, 2)
    right: dict[str, str] = {}  # question → the right option's text
    authored: list[tuple[str, list[str]]] = []
    missed = (0, len(key) - 1)
    for number, answer in enumerate(key):
        question, options = _shown_question(chat.last.body)
        authored.append((question, options))
        right[question] = options[answer]
        chosen = (answer + 1) % len(options) if number in missed else answer
        await chat.press(str(chosen + 1), exact=True)
    result = html.unescape(chat.last.body)
    assert "Not passed yet" in result
    # Each missed question in full, with its right answer; the others marked right.
    for number in missed:
        question = authored[number][0]
        assert f"❌ {number + 1}. {question}\nRight answer: <b>{right[question]}</b>" in result
    assert result.count("✅ ") == len(key) - len(missed)

    await chat.press("Try again")
    shown = []
    while "Question" in chat.last.body:
        question, options = _shown_question(chat.last.body)
        shown.append((question, options))
        await chat.press(str(options.index(right[question]) + 1), exact=True)
    assert "Passed!" in chat.last.body  # the shuffled answers were mapped back
    assert sorted(q for q, _ in shown) == sorted(q for q, _ in authored)
    assert shown != authored  # another order of questions or options


async def test_each_answer_is_marked_and_explained_at_once(tg: BotUnderTest, service: Service):
    chat = tg.chat("en")
    await register(chat)
    slug = "arriving-legally"
    key = answer_key(slug)
    texts = yaml.safe_load((COURSE / "modules" / slug / "quiz.en.yaml").read_text())["questions"]
    ids = [
        q["id"]
        for q in yaml.safe_load((COURSE / "modules" / slug / "quiz.yaml").read_text())["questions"]
    ]
    await open_quiz(chat, 2)
    first = texts[ids[0]]
    wrong = (key[0] + 1) % len(first["options"])
    await chat.press(str(wrong + 1), exact=True)
    screen = html.unescape(chat.last.body)
    assert screen.startswith("❌ Not right.")
    assert f"Right answer: <b>{first['options'][key[0]]}</b>" in screen
    assert first["explanation"] in screen
    assert "Question 2 of 5" in screen  # the next question below, on the same message
    await chat.press(str(key[1] + 1), exact=True)
    screen = html.unescape(chat.last.body)
    assert screen.startswith("✅ Right!") and texts[ids[1]]["explanation"] in screen
    assert "Right answer" not in screen.split("Question 3 of 5")[0]
    # Each answer is kept by the service as it is given.
    [card] = cards_of(service, chat)
    again = service.api(
        "POST",
        f"/api/v1/persons/{card['person_id']}/course/modules/{slug}/questions/{ids[0]}/answer",
        json={"chosen": key[0]},
    ).json()
    assert again["already_answered"] is True and again["chosen"] == wrong
