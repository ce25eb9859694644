"""What the bot says, in the current language. Messages are HTML: user values are escaped."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from html import escape
from typing import Any

from aiogram.utils.i18n import get_i18n

from bot import dates, forms, people, reference
from bot.api import (
    AnswerFeedback,
    AttemptResult,
    Card,
    Checklist,
    ChecklistItem,
    CourseProgress,
    Profile,
    Reminder,
)
from bot.i18n import _


def h(value: object) -> str:
    return escape(str(value), quote=False)


def fmt_date(iso: str | date | None) -> str:
    if not iso:
        return "—"
    value = date.fromisoformat(iso) if isinstance(iso, str) else iso
    return value.strftime("%d.%m.%Y")


# ------------------------------------------------------------------------------ general


def greeting() -> str:
    return _(
        "Hello! I am the Onboard bot. I help you register your electronic migration card, "
        "learn the rules of life and work in Russia, and show a QR code to officers."
    )


def help_text() -> str:
    return "\n".join(
        [
            _("What I can do:"),
            "/register — " + _("fill in the migration card"),
            "/card — " + _("your cards and QR codes"),
            "/checklist — " + _("what is due after arrival, and by when"),
            "/course — " + _("the adaptation course"),
            "/guide — " + _("the guide to rules of behaviour"),
            "/language — " + _("change the language"),
            "/cancel — " + _("stop filling in the card and delete the answers"),
            "/help — " + _("this list"),
        ]
    )


def commands() -> list[tuple[str, str]]:
    """The command menu: (command, description) in the current language."""
    return [
        ("start", _("Start")),
        ("register", _("Fill in the migration card")),
        ("card", _("My cards and QR codes")),
        ("checklist", _("Deadlines after arrival")),
        ("course", _("Adaptation course")),
        ("guide", _("Guide to rules of behaviour")),
        ("language", _("Change the language")),
        ("help", _("Help")),
        ("cancel", _("Cancel")),
    ]


def reply_labels() -> dict[str, str]:
    """The persistent keyboard's buttons by action: the QR first, the same in every language."""
    return {
        "card": "🪪 QR",
        "checklist": _("📋 Deadlines"),
        "course": _("📚 Course"),
        "guide": _("🧭 Guide"),
        "help": _("❓ Help"),
    }


def not_understood() -> str:
    return _("Sorry, I did not understand. Use the menu buttons or /help.")


def try_later() -> str:
    return _("The registry is not answering right now. Please try again in a few minutes.")


def answers_kept() -> str:
    return _("Your answers are kept.")


def went_wrong() -> str:
    return _("Sorry, something went wrong on my side. Please try again.")


def too_fast() -> str:
    return _("Too many messages at once. Please wait a moment.")


def stale_button() -> str:
    return _("This button is out of date. Please use the latest message.")


def choose_language() -> str:
    return _("Choose your language:")


def language_set() -> str:
    # TRANSLATORS: name the language of this catalogue ("I will speak Uzbek with you").
    return _("Done: I will speak English with you.")


def main_menu() -> str:
    return _("What would you like to do?")


# ------------------------------------------------------------------------------ consent


def consent_notice() -> str:
    return "\n\n".join(
        [
            "<b>" + _("Consent to the processing of personal data") + "</b>",
            _(
                "To register your migration card, Onboard processes the data you enter: "
                "names, date of birth, sex, citizenship, identity document, purpose and "
                "period of stay, host, region and occupation, and your Telegram account id."
            ),
            _(
                "The data are used to keep the register of migration cards and to check your "
                "card when an officer scans your QR code. They are kept while your card is "
                "valid and as long as the law requires after that."
            ),
            _(
                "You may ask for a copy of your data or for its correction or erasure. "
                "Without consent you can still read the course and the guide."
            ),
            _("Do you agree to the processing of your personal data?"),
        ]
    )


def consent_thanks() -> str:
    return _("Thank you, your consent is recorded. Now you can fill in the migration card.")


def consent_declined() -> str:
    return _(
        "Without consent I cannot register a card. You can still read the course (/course) "
        "and the guide (/guide), and agree later with /register."
    )


def consent_already() -> str:
    return _("Your consent is already recorded.")


# ------------------------------------------------------------------------------ registration


def registration_intro() -> str:
    return _(
        "Let us fill in the migration card. I will ask one question at a time; "
        "/cancel stops and deletes your answers."
    )


def form_help() -> str:
    return _(
        "You are filling in the migration card. Answer the question below with a message or "
        "a button. /cancel stops and deletes the answers; 🪪 QR shows your card at any time."
    )


def registration_resumed() -> str:
    return _("You have a card in progress; let us continue where you stopped.")


def whom_prompt() -> str:
    return _("For whom is this card?")


def whom_labels() -> dict[str, str]:
    return {"self": _("👤 Me"), "family": _("👨‍👩‍👧 A family member")}


def prompt(step: str, data: dict[str, Any]) -> str:
    """The question for a step, with a hint of what is expected."""
    family = forms.is_family(data)
    spelt = forms.latin_of(step, data)
    if spelt is not None:  # show the Latin form as it will be printed, before confirming
        return _latin_check(step, family).format(latin=f"<b>{h(spelt)}</b>")
    return (_family_prompts() if family else _own_prompts())[step]


def latin_typing_prompt(step: str, data: dict[str, Any]) -> str:
    """The question for a Latin form the user types in (after «I'll type it»)."""
    return (_family_prompts() if forms.is_family(data) else _own_prompts())[step]


def _latin_check(step: str, family: bool) -> str:
    if step == "surname_latin" and family:
        return _(
            "In Latin letters their surname will be printed as:\n{latin}\n"
            "Is it the same as in their passport (the Latin letters at the bottom of the photo "
            "page)?"
        )
    if step == "surname_latin":
        return _(
            "In Latin letters your surname will be printed as:\n{latin}\n"
            "Is it the same as in your passport (the Latin letters at the bottom of the photo "
            "page)?"
        )
    if family:
        return _(
            "In Latin letters their given names will be printed as:\n{latin}\n"
            "Is it the same as in their passport (the Latin letters at the bottom of the photo "
            "page)?"
        )
    return _(
        "In Latin letters your given names will be printed as:\n{latin}\n"
        "Is it the same as in your passport (the Latin letters at the bottom of the photo page)?"
    )


def _family_prompts() -> dict[str, str]:
    # About a family member: "their", never "your" (a worker registering his wife must not
    # read "your surname").
    return {
        "surname": _("Their surname, as in their passport:"),
        "given_names": _(
            "Their given names (first name and patronymic, if any), as in their passport:"
        ),
        "surname_latin": _(
            "Their surname in Latin letters, exactly as printed in the bottom lines of their "
            "passport's photo page (for example KARIMOVA):"
        ),
        "given_names_latin": _(
            "Their given names in Latin letters, exactly as printed in the bottom lines of "
            "their passport's photo page (for example DILNOZA):"
        ),
        "date_of_birth": _("Their date of birth (DD.MM.YYYY, for example 01.05.1990):"),
        "sex": _("Their sex, as in their passport:"),
        "citizenship": _(
            "Their citizenship: choose below or type the country's name or three-letter code "
            "(for example UZB):"
        ),
        "document_type": _("Which identity document do they travel with?"),
        "document_number": _(
            "The series and number of their document, in Latin letters and digits "
            "(for example FA1234567):"
        ),
        "purpose": _("The purpose of their visit:"),
        "visa_number": _("Their visa number, if they have a visa:"),
        "stay_from": _("When do (or did) they arrive? The date, DD.MM.YYYY:"),
        "stay_until": _("Until when do they plan to stay? The date, DD.MM.YYYY:"),
        "host_kind": _("Who receives them in Russia (the host)?"),
        "host_name": _("The host's name: the organisation's name, or the person's full name:"),
        "host_address": _("The host's address in Russia (city, street, house):"),
        "region": _("The region of Russia where they will stay: choose below or type its name:"),
        "occupation": _("Their occupation (for example builder, cook, student):"),
    }


def _own_prompts() -> dict[str, str]:
    return {
        "surname": _("Your surname, as in your passport:"),
        "given_names": _(
            "Your given names (first name and patronymic, if any), as in your passport:"
        ),
        "surname_latin": _(
            "Your surname in Latin letters, exactly as printed in the bottom lines of your "
            "passport's photo page (for example KARIMOV):"
        ),
        "given_names_latin": _(
            "Your given names in Latin letters, exactly as printed in the bottom lines of "
            "your passport's photo page (for example SHUKHRAT):"
        ),
        "date_of_birth": _("Your date of birth (DD.MM.YYYY, for example 01.05.1990):"),
        "sex": _("Your sex, as in your passport:"),
        "citizenship": _(
            "Your citizenship: choose below or type the country's name or three-letter code "
            "(for example UZB):"
        ),
        "document_type": _("Which identity document do you travel with?"),
        "document_number": _(
            "The document's series and number, in Latin letters and digits (for example FA1234567):"
        ),
        "purpose": _("The purpose of your visit:"),
        "visa_number": _("Your visa number, if you have a visa:"),
        "stay_from": _("When do (or did) you arrive? The date, DD.MM.YYYY:"),
        "stay_until": _("Until when do you plan to stay? The date, DD.MM.YYYY:"),
        "host_kind": _("Who receives you in Russia (the host)?"),
        "host_name": _("The host's name: the organisation's name, or the person's full name:"),
        "host_address": _("The host's address in Russia (city, street, house):"),
        "region": _("The region of Russia where you will stay: choose below or type its name:"),
        "occupation": _("Your occupation (for example builder, cook, student):"),
    }


def explain(error: forms.Invalid, data: dict[str, Any] | None = None) -> str:
    """Why an answer was not accepted, and what to send instead."""
    if error.code == "stay_before_birth" and forms.is_family(data or {}):
        return _("The arrival date cannot be before their date of birth.")
    texts = {
        "blank": _("The answer is empty. Please write it."),
        "required": _("This answer is required."),
        "control_characters": _("Please write plain text, without special characters."),
        "name": _(
            "A name may contain only letters, spaces, hyphens and apostrophes, and no digits."
        ),
        "latin": _(
            "Please use only Latin letters A–Z, spaces and hyphens, as printed at the bottom "
            "of the passport's photo page."
        ),
        "date_format": _("Please write the date as DD.MM.YYYY, for example 01.05.1990."),
        "date_impossible": _("There is no such date. Please check the day and the month."),
        "birth_future": _("The date of birth cannot be in the future."),
        "birth_too_early": _("The date of birth cannot be before 1900."),
        "stay_before_birth": _("The arrival date cannot be before your date of birth."),
        "stay_too_far": _("The arrival date must be within a year from today."),
        "stay_until_before_from": _("The end of the stay cannot be before the arrival date."),
        "stay_until_past": _("The end of the stay cannot be in the past."),
        "stay_too_long": _("The planned stay cannot be longer than five years."),
        "document_number": _(
            "The number must have 5 to 20 Latin letters and digits, with at least one digit "
            "(spaces and hyphens are removed)."
        ),
        "document_number_cyrillic": _(
            "Please type the letters of the number in Latin, as printed at the bottom of the "
            "document's photo page."
        ),
        "visa_number": _(
            "A visa number has 5 to 20 Latin letters and digits, with at least one digit."
        ),
        "visa_number_cyrillic": _("Please type the visa number in Latin letters and digits."),
        "country_unknown": _(
            "I do not know this country. Type its name or three-letter code (for example "
            "UZB), or choose from the list."
        ),
        "country_russia": _("Citizens of Russia do not need a migration card."),
        "region_unknown": _(
            "I do not know this region. Type a part of its name or choose from the list."
        ),
        "use_buttons": _("Please choose one of the buttons."),
        "dont_know": _(
            "If you do not know it yet, press «I don't know yet»: it is saved as not known "
            "yet, not as an answer."
        ),
        "not_text": _("Please answer with a text message."),
    }
    if error.code == "too_long":
        return _("The answer is too long: at most {limit} characters.").format(
            limit=error.params.get("limit", 0)
        )
    return texts.get(error.code, _("This answer cannot be accepted. Please check it."))


def button_labels(step: str, data: dict[str, Any]) -> dict[str, str]:
    """The labels of a step's choice buttons (and of its skip button), by their value."""
    labels = {code: _(text) for code, text in forms.CHOICES.get(step, {}).items()}
    if forms.latin_of(step, data) is not None:
        labels[forms.SKIP] = _("✅ Correct")
    elif step in forms.UNKNOWABLE:
        labels[forms.SKIP] = _("🤷 I don't know yet")
    elif forms.can_skip(step, data):
        labels[forms.SKIP] = _("Skip")
    return labels


def read_as(step: str, value: Any, language: str) -> str:
    """A typed answer as understood ("✔️ Date of birth: 17.04.1996")."""
    return f"✔️ {field_labels()[step]}: <b>{h(answer_value(step, value, language))}</b>"


def which_one() -> str:
    return _("Several match. Which one?")


def field_labels() -> dict[str, str]:
    return {
        "surname": _("Surname"),
        "given_names": _("Given names"),
        "surname_latin": _("Surname (Latin)"),
        "given_names_latin": _("Given names (Latin)"),
        "date_of_birth": _("Date of birth"),
        "sex": _("Sex"),
        "citizenship": _("Citizenship"),
        "document_type": _("Document"),
        "document_number": _("Document number"),
        "purpose": _("Purpose of visit"),
        "visa_number": _("Visa number"),
        "stay_from": _("Arrival"),
        "stay_until": _("Stay until"),
        "host_kind": _("Host"),
        "host_name": _("Host's name"),
        "host_address": _("Host's address"),
        "region": _("Region"),
        "occupation": _("Occupation"),
    }


def edit_labels() -> dict[str, str]:
    return {
        "names": _("Names"),
        "date_of_birth": _("Date of birth"),
        "sex": _("Sex"),
        "citizenship": _("Citizenship"),
        "document": _("Document"),
        "purpose": _("Purpose of visit"),
        "visa": _("Visa number"),
        "stay": _("Dates of stay"),
        "host": _("Host"),
        "region": _("Region"),
        "occupation": _("Occupation"),
    }


def answer_value(step: str, value: Any, language: str) -> str:
    if value is None:
        if step in forms.UNKNOWABLE:
            return _("not known yet")
        return _("automatic") if step.endswith("_latin") else "—"
    if step in forms.CHOICES:
        return reference.label(forms.CHOICES[step], value)
    if step == "citizenship":
        return reference.country_name(value, language)
    if step == "region":
        return reference.region_name(value)
    if step in ("date_of_birth", "stay_from", "stay_until"):
        return fmt_date(value)
    return str(value)


def summary(data: dict[str, Any], language: str) -> str:
    labels = field_labels()
    family = forms.is_family(data)
    header = _("Please check their card:") if family else _("Please check your card:")
    lines = ["<b>" + header + "</b>", ""]
    for step in forms.STEPS:
        if forms.applies(step, data):
            value = answer_value(step, data.get(step), language)
            lines.append(f"{labels[step]}: <b>{h(value)}</b>")
    lines += ["", _("If everything is right, press «Confirm». To change something, press it.")]
    return "\n".join(lines)


def refused_by_registry() -> str:
    return _("The registry did not accept one of the answers:")


def submitting() -> str:
    return _("Sending your card to the registry…")


def registered(card: Card, *, family: bool = False) -> str:
    if family:
        head = _("The migration card of {name} is registered.").format(
            name=h(people.full_name(card))
        )
        tail = _(
            "They show its QR code to the border officer when they arrive. "
            "They can take the course too: /course"
        )
    else:
        head = _("Your migration card is registered.")
        tail = _("Show the QR code to the border officer when you arrive. Take the course: /course")
    return "\n".join(
        [
            head,
            _("Number: {number}").format(number=f"<b>{h(card.number)}</b>"),
            _("Status: {status}").format(status=reference.label(reference.STATUSES, card.status)),
            "",
            tail,
        ]
    )


def already_have_card() -> str:
    return _("You already have an open migration card. See it with /card.")


def open_card_exists() -> str:
    return _(
        "This person already has an open migration card, so a new one cannot be registered. "
        "See it with /card."
    )


def document_taken() -> str:
    return _(
        "This document is already registered with other personal data. "
        "Please check the document number."
    )


def cancelled() -> str:
    return _("Stopped. Your answers are deleted.")


def nothing_to_cancel() -> str:
    return _("There is nothing to cancel.")


def expired_session() -> str:
    return _(
        "Your unfinished answers were deleted after a long pause. "
        "Please start again with /register."
    )


def need_consent() -> str:
    return _("Before registration I need your consent to the processing of personal data.")


# ------------------------------------------------------------------------------ cards


def no_cards() -> str:
    return _("You have no migration card yet. Fill one in with /register.")


def card_text(card: Card) -> str:
    holder = card.holder
    name = " ".join(p for p in (holder.surname, holder.given_names) if p) or "—"
    latin = " ".join(p for p in (holder.surname_latin, holder.given_names_latin) if p)
    lines = [
        _("Migration card {number}").format(number=f"<b>{h(card.number)}</b>"),
        _("Holder: {name}").format(name=h(name) + (f" ({h(latin)})" if latin else "")),
        _("Status: {status}").format(status=reference.label(reference.STATUSES, card.status)),
        _("Stay until: {date}").format(date=fmt_date(card.stay_until)),
        _("Region: {region}").format(region=h(reference.region_name(card.region))),
    ]
    return "\n".join(lines)


def qr_caption(card: Card, valid_until: date) -> str:
    """Whose QR it is and until when it is valid, first: it is read at a police check."""
    day = dates.long_date(valid_until, get_i18n().current_locale)
    return "\n".join(
        [
            "🪪 <b>" + h(people.full_name(card)) + "</b>",
            _("QR code valid until {date}.").format(date=f"<b>{day}</b>"),
            _("Show this QR code to the officer. Press «Refresh» if it is old or cannot be read."),
        ]
    )


def no_qr() -> str:
    return _("A card in this status has no QR code.")


def print_caption() -> str:
    return _(
        "The card as a PDF: print it on A6 or A5 paper and keep it with your passport. "
        "Its QR code is valid until the date printed under it; print a fresh one after that."
    )


def card_labels(shown: list[Card], cards: list[Card], profile: Profile | None) -> dict[str, str]:
    """Button labels by card id: the holder's full name, "(you)" on the account holder's own;
    the card's number only to tell apart two cards of the same name."""
    labels = {}
    for card in shown:
        name = people.full_name(card)
        if people.is_self(card, cards, profile):
            name += " " + _("(you)")
        labels[str(card.id)] = name
    counts = Counter(labels.values())
    for card in shown:
        if counts[labels[str(card.id)]] > 1:
            labels[str(card.id)] += f" · {card.number}"
    return labels


# ------------------------------------------------------------------------------ course


def course_header(progress: CourseProgress | None, holder: str | None) -> str:
    lines = ["<b>" + _("Adaptation course") + "</b>"]
    if progress is not None and holder:
        lines.append(
            _("Progress of {name}: {passed} of {total} modules passed.").format(
                name=h(holder), passed=progress.modules_passed, total=progress.modules_total
            )
        )
        if progress.completed:
            lines.append(_("The course is completed."))
    else:
        lines.append(_("Register a card (/register) so that your quiz results are kept."))
    lines.append(_("Choose a module:"))
    return "\n".join(lines)


def page_footer(page: int, pages: int) -> str:
    return _("Page {page} of {pages}").format(page=page, pages=pages)


def quiz_question(title: str, index: int, total: int, text: str, options: list[str]) -> str:
    lines = [
        "<b>" + h(title) + "</b>",
        _("Question {number} of {total}").format(number=index + 1, total=total),
        "",
        h(text),
        "",
    ]
    lines += [f"{i + 1}. {h(option)}" for i, option in enumerate(options)]
    return "\n".join(lines)


def quiz_needs_card() -> str:
    return _("To take the quiz, register your card first: /register.")


def quiz_result(result: AttemptResult, questions: dict[str, dict[str, Any]] | None = None) -> str:
    verdict = (
        _("Passed!")
        if result.passed
        else _("Not passed yet: you need {need} right answers out of {total}.").format(
            need=math.ceil(result.pass_mark * result.questions - 1e-9), total=result.questions
        )
    )
    lines = [
        _("Result: {correct} of {total} right.").format(
            correct=result.correct, total=result.questions
        ),
        verdict,
        "",
    ]
    questions = questions or {}
    for number, item in enumerate(result.results, start=1):
        question = questions.get(item.id)
        if question is None:  # (an older quiz in progress) as before: the explanation only
            lines.append(("✅" if item.correct else "❌") + f" {number}. {h(item.explanation)}")
            continue
        # Each question in full with its right answer; why, for the ones missed.
        lines.append(("✅" if item.correct else "❌") + f" {number}. {h(question['text'])}")
        options = question["options"]
        if item.answer is not None and 0 <= item.answer < len(options):
            lines.append(
                _("Right answer: {answer}").format(answer=f"<b>{h(options[item.answer])}</b>")
            )
        if not item.correct:
            lines.append("<i>" + h(item.explanation) + "</i>")
    return "\n".join(lines)


# -- quiz feedback after each answer (one block with its strings: moves with the quiz texts)


def quiz_feedback(feedback: AnswerFeedback, options: list[str]) -> str:
    """Right or not, the right option (``options`` in the authored order) and why."""
    lines = ["✅ " + _("Right!") if feedback.correct else "❌ " + _("Not right.")]
    if feedback.already_answered:
        lines.append(_("You answered this question before; your first answer counts."))
    if not feedback.correct and 0 <= feedback.answer < len(options):
        lines.append(
            _("Right answer: {answer}").format(answer=f"<b>{h(options[feedback.answer])}</b>")
        )
    lines.append("<i>" + h(feedback.explanation) + "</i>")
    return "\n".join(lines)


# -- end of quiz feedback


def course_completed() -> str:
    return _(
        "Congratulations! You have completed the adaptation course. "
        "Your QR code now shows it to officers."
    )


# ------------------------------------------------------------------------------ guide


def guide_header() -> str:
    return "<b>" + _("Guide to rules of behaviour") + "</b>\n" + _("Choose a section:")


# ------------------------------------------------------------------------------ checklist


def checklist(card: Card, listing: Checklist, today: date, name: str = "") -> str:
    """Each obligation that applies, with its date and what to do; the reminders' state."""
    lines = ["<b>" + _("Deadlines for card {number}").format(number=h(card.number)) + "</b>"]
    if name:
        lines.append(_("Holder: {name}").format(name=h(name)))
    shown = [i for i in listing.items if i.status != "not_applicable"]
    waiting = [i for i in shown if i.due_on is None and i.status == "pending"]
    if waiting:  # before entry: one sentence, not "no date yet" on every line
        lines += ["", _("⏳ The deadlines start when the border officer records your entry.")]
        lines += [f"▫️ {h(i.title)}" for i in waiting]
    for item in shown:
        if item in waiting:
            continue
        lines += ["", _item_line(item, today)]
        if item.status in ("pending", "overdue") and item.reportable:
            lines.append("<i>" + h(item.how_to) + "</i>")
    if not shown:
        lines += ["", _("Nothing is due for this card.")]
    lines.append("")
    if listing.reminders_muted:
        lines.append(_("🔕 Reminders for this card are off."))
    else:
        lines.append(_("🔔 I will remind you here before each date, never at night."))
    lines.append(_("The dates follow the law as we know it; check them at the migration office."))
    return "\n".join(lines)


def _item_line(item: ChecklistItem, today: date) -> str:
    title = "<b>" + h(item.title) + "</b>"
    if not item.reportable and item.due_on is not None and item.status == "pending":
        # The end of the stay as planned on the card, which is not the law's limit.
        line = "📅 " + _("Planned stay until {date} (as written on the card).").format(
            date=fmt_date(item.due_on)
        )
        return line + "\n<i>" + h(item.how_to) + "</i>"
    if item.status == "done":
        when = fmt_date(item.done.done_on) if item.done else "—"
        line = "✅ " + _("{title}: done on {date}").format(title=title, date=when)
        if item.done and item.done.self_reported:
            line += " " + _("(as you reported)")
        return line
    if item.due_on is None:
        return "⏳ " + _("{title}: no date yet, it counts from a step not recorded yet").format(
            title=title
        )
    if item.status == "overdue":
        return "❗ " + _("{title}: overdue since {date}").format(
            title=title, date=fmt_date(item.due_on)
        )
    return "⏳ " + _("{title}: by {date} (days left: {days})").format(
        title=title, date=fmt_date(item.due_on), days=(item.due_on - today).days
    )


def when_done(title: str) -> str:
    return _("When was it done: «{title}»? Choose the date.").format(title=h(title))


def marked_done(title: str) -> str:
    return _("Marked as done: {title}.").format(title=h(title))


def already_done() -> str:
    return _("This is already marked as done.")


def not_applicable() -> str:
    return _("This does not apply to this card.")


def reminders_muted() -> str:
    return _("Reminders for this card are off.")


def reminders_unmuted() -> str:
    return _("Reminders for this card are on.")


def reminder(item: Reminder) -> str:
    """A reminder of a deadline, in the language of the person it was claimed for."""
    return "\n".join(
        [
            "⏰ <b>" + _("Reminder") + "</b> · " + h(item.card_number),
            "<b>" + h(item.title) + "</b>",
            _when(item),
            "",
            h(item.how_to),
        ]
    )


def _when(item: Reminder) -> str:
    day = fmt_date(item.due_on)
    if item.days_left <= 0:
        return _("Today is the last day: {date}.").format(date=day)
    if item.days_left == 1:
        return _("Tomorrow is the last day: {date}.").format(date=day)
    return _("Last day: {date} (days left: {days}).").format(date=day, days=item.days_left)
