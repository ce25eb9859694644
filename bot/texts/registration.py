"""The registration form: questions, why an answer was refused, the summary."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot import forms, people, reference
from bot.api import (
    Card,
)
from bot.i18n import Text, _
from bot.texts.common import escape_html, fmt_date

registration_intro = Text(
    "Let us fill in the migration card. I will ask one question at a time; "
    "/cancel stops and deletes your answers."
)

form_help = Text(
    "You are filling in the migration card. Answer the question below with a message or "
    "a button. /cancel stops and deletes the answers; 🪪 QR shows your card at any time."
)

registration_resumed = Text("You have a card in progress; let us continue where you stopped.")

whom_prompt = Text("For whom is this card?")


def whom_labels() -> dict[str, str]:
    return {"self": _("👤 Me"), "family": _("👨‍👩‍👧 A family member")}


def prompt(step: str, draft: forms.Draft) -> str:
    """The question for a step, with a hint of what is expected."""
    family = draft.family
    spelt = forms.latin_of(step, draft)
    if spelt is not None:  # show the Latin form as it will be printed, before confirming
        return _latin_check(step, family).format(latin=f"<b>{escape_html(spelt)}</b>")
    return (_family_prompts() if family else _own_prompts())[step]


def latin_typing_prompt(step: str, draft: forms.Draft) -> str:
    """The question for a Latin form the user types in (after «I'll type it»)."""
    return (_family_prompts() if draft.family else _own_prompts())[step]


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


def explain(error: forms.Invalid, draft: forms.Draft | None = None) -> str:
    """Why an answer was not accepted, and what to send instead."""
    if error.code == "stay_before_birth" and draft is not None and draft.family:
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


def button_labels(step: str, draft: forms.Draft) -> dict[str, str]:
    """The labels of a step's choice buttons (and of its skip button), by their value."""
    labels = {code: _(text) for code, text in (forms.step(step).choices or {}).items()}
    skip = skip_label(step, draft)
    if skip is not None:
        labels[forms.SKIP] = skip
    return labels


def skip_label(step: str, draft: forms.Draft) -> str | None:
    """The label of the button that answers a step without typing, if it may be skipped."""
    if not forms.can_skip(step, draft):
        return None
    kind = forms.step(step).skip
    if kind == "latin":
        return _("✅ Correct")
    if kind == "unknown":
        return _("🤷 I don't know yet")
    return _("Skip")


def read_as(step: str, value: Any, language: str) -> str:
    """A typed answer as understood ("✔️ Date of birth: 17.04.1996")."""
    return f"✔️ {field_labels()[step]}: <b>{escape_html(answer_value(step, value, language))}</b>"


which_one = Text("Several match. Which one?")


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
    """The confirmation screen's edit buttons by group: the label of the group's first field
    ("Document", "Host"), unless the group has a name of its own."""
    fields = field_labels()
    own = {"names": _("Names"), "stay": _("Dates of stay")}
    return {
        group: own.get(group) or fields[first]
        for group, (first, _last) in forms.EDIT_GROUPS.items()
    }


def answer_value(step: str, value: Any, language: str) -> str:
    if value is None:
        if forms.step(step).skip == "unknown":
            return _("not known yet")
        return _("automatic") if step.endswith("_latin") else "—"
    choices = forms.step(step).choices
    if choices is not None:
        return reference.label(choices, value)
    if step == "citizenship":
        return reference.country_name(value, language)
    if step == "region":
        return reference.region_name(value)
    if isinstance(value, date):
        return fmt_date(value)
    return str(value)


def summary(draft: forms.Draft, language: str) -> str:
    labels = field_labels()
    family = draft.family
    header = _("Please check their card:") if family else _("Please check your card:")
    lines = ["<b>" + header + "</b>", ""]
    for step in forms.STEPS:
        if step.applies(draft):
            value = answer_value(step.name, draft.value(step.name), language)
            lines.append(f"{labels[step.name]}: <b>{escape_html(value)}</b>")
    lines += ["", _("If everything is right, press «Confirm». To change something, press it.")]
    return "\n".join(lines)


refused_by_registry = Text("The registry did not accept one of the answers:")

submitting = Text("Sending your card to the registry…")


def registered(card: Card, *, family: bool = False) -> str:
    if family:
        head = _("The migration card of {name} is registered.").format(
            name=escape_html(people.full_name(card))
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
            _("Number: {number}").format(number=f"<b>{escape_html(card.number)}</b>"),
            _("Status: {status}").format(status=reference.label(reference.STATUSES, card.status)),
            "",
            tail,
        ]
    )


already_have_card = Text("You already have an open migration card. See it with /card.")

open_card_exists = Text(
    "This person already has an open migration card, so a new one cannot be registered. "
    "See it with /card."
)

document_taken = Text(
    "This document is already registered with other personal data. "
    "Please check the document number."
)

cancelled = Text("Stopped. Your answers are deleted.")

nothing_to_cancel = Text("There is nothing to cancel.")

expired_session = Text(
    "Your unfinished answers were deleted after a long pause. Please start again with /register."
)

need_consent = Text("Before registration I need your consent to the processing of personal data.")
