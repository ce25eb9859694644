"""Inline keyboards: pure functions of their inputs, labels in the current language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import get_i18n

from bot import forms, reference, texts
from bot.api import Card, Checklist, CourseProgress, ModuleSummary
from bot.callbacks import (
    AnswerCB,
    CardCB,
    ChecklistCB,
    ChoiceCB,
    ConfirmCB,
    ConsentCB,
    CourseCB,
    GuideCB,
    LanguageCB,
    MenuCB,
    PageCB,
    PermitCB,
)
from bot.i18n import LANGUAGES, NATIVE_NAMES, _

REGIONS_PER_PAGE = 10
QR_GUIDE_SECTION = "police-checks"


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _cancel() -> InlineKeyboardButton:
    return _button(_("✖️ Cancel"), ConfirmCB(action="cancel"))


def main_menu() -> InlineKeyboardMarkup:
    """The menu under most answers: one per language, made once (it never changes)."""
    return _main_menu(get_i18n().current_locale)


@lru_cache(maxsize=len(LANGUAGES) + 1)
def _main_menu(_language: str) -> InlineKeyboardMarkup:
    # Built directly: aiogram's InlineKeyboardBuilder deep-copies every button on export,
    # which cost most of the time of a /help (measured with bench/bot.py).
    buttons = [
        _button(_("📝 Fill in the card"), MenuCB(action="register")),
        _button(_("🪪 My card and QR"), MenuCB(action="card")),
        _button(_("📋 Deadlines"), MenuCB(action="checklist")),
        _button(_("📚 Course"), MenuCB(action="course")),
        _button(_("🧭 Guide"), MenuCB(action="guide")),
        _button(_("🌐 Language"), MenuCB(action="language")),
        _button(_("❓ Help"), MenuCB(action="help")),
    ]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, 2))


def reply_menu() -> ReplyKeyboardMarkup:
    """The keyboard that stays under the chat: the QR in one tap, and the main actions."""
    return _reply_menu(get_i18n().current_locale)


@lru_cache(maxsize=len(LANGUAGES) + 1)
def _reply_menu(_language: str) -> ReplyKeyboardMarkup:
    labels = texts.reply_labels()
    rows = [["card"], ["checklist", "course"], ["guide", "help"]]
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=labels[action]) for action in row] for row in rows],
        is_persistent=True,
        resize_keyboard=True,
    )


def languages(current: str) -> InlineKeyboardMarkup:
    buttons = [
        _button(("✓ " if code == current else "") + NATIVE_NAMES[code], LanguageCB(code=code))
        for code in LANGUAGES
    ]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, 2))


def consent() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("✅ I agree"), ConsentCB(agree=True))],
            [_button(_("✖️ I do not agree"), ConsentCB(agree=False))],
        ]
    )


def register_button() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("📝 Fill in the card"), MenuCB(action="register"))]]
    )


# ------------------------------------------------------------------------------ registration


def whom() -> InlineKeyboardMarkup:
    """For whom the card is: the account holder, or a family member."""
    labels = texts.whom_labels()
    rows = [[_button(labels[value], ChoiceCB(field="whom", value=value))] for value in forms.WHOM]
    rows.append([_cancel()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def step(step: str, draft: forms.Draft, language: str, today: date) -> InlineKeyboardMarkup:
    """Buttons for a registration step (keep, choices, quick dates, skip); cancel on every
    step."""
    rows: list[list[InlineKeyboardButton]] = []
    if forms.can_keep(step, draft):  # editing: the current answer in one tap
        current = texts.answer_value(step, draft.value(step), language)
        keep = _("↩️ Keep: {value}").format(value=_short(current, 30))
        rows.append([_button(keep, ChoiceCB(field=step, value=forms.KEEP))])
    rows += _answers(step, draft, language, today)
    skip = texts.skip_label(step, draft)
    if skip is not None:
        rows.append([_button(skip, ChoiceCB(field=step, value=forms.SKIP))])
    if forms.latin_of(step, draft) is not None:
        rows.append([_button(_("✏️ I'll type it"), ChoiceCB(field=step, value=forms.TYPE))])
    rows.append([_cancel()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _answers(
    step: str, draft: forms.Draft, language: str, today: date
) -> list[list[InlineKeyboardButton]]:
    """The answers a step offers as buttons: its choices, common ones, or quick dates."""
    choices = forms.step(step).choices
    if choices is not None:
        buttons = [
            _button(_(text), ChoiceCB(field=step, value=code)) for code, text in choices.items()
        ]
        return _rows(buttons, 2)
    if step == "citizenship":
        buttons = [
            _button(reference.country_name(code, language), ChoiceCB(field=step, value=code))
            for code in reference.COMMON_CITIZENSHIPS
        ]
        return _rows(buttons, 3)
    if step == "region":
        buttons = [
            _button(reference.region_name(code), ChoiceCB(field=step, value=code))
            for code in reference.COMMON_REGIONS
        ]
        return [*_rows(buttons, 2), [_button(_("All regions…"), PageCB(field=step, page=0))]]
    if step in ("stay_from", "stay_until"):
        return [
            [
                _button(text, ChoiceCB(field=step, value=day.isoformat()))
                for text, day in _quick_dates(step, draft, today)
            ]
        ]
    return []


def cancel_only() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_cancel()]])


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def _quick_dates(step: str, draft: forms.Draft, today: date) -> list[tuple[str, date]]:
    if step == "stay_from":
        return [(_("Today"), today), (_("Tomorrow"), today + timedelta(days=1))]
    start = max(draft.answers.stay_from or today, today)
    return [
        (_("{days} days").format(days=days), start + timedelta(days=days)) for days in (30, 90, 365)
    ]


def candidates(step: str, codes: list[str], language: str) -> InlineKeyboardMarkup:
    """Buttons for each country or region a typed answer matched."""
    rows = []
    for code in codes:
        text = (
            reference.country_name(code, language)
            if step == "citizenship"
            else reference.region_name(code)
        )
        rows.append([_button(text, ChoiceCB(field=step, value=code))])
    rows.append([_cancel()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def region_page(page: int) -> InlineKeyboardMarkup:
    codes = reference.regions_in_order()
    pages = (len(codes) + REGIONS_PER_PAGE - 1) // REGIONS_PER_PAGE
    page = max(0, min(page, pages - 1))
    chunk = codes[page * REGIONS_PER_PAGE : (page + 1) * REGIONS_PER_PAGE]
    rows = _rows(
        [
            _button(reference.region_name(code), ChoiceCB(field="region", value=code))
            for code in chunk
        ],
        2,
    )
    nav = []
    if page > 0:
        nav.append(_button("◀️", PageCB(field="region", page=page - 1)))
    nav.append(_button(f"{page + 1}/{pages}", PageCB(field="region", page=page)))
    if page < pages - 1:
        nav.append(_button("▶️", PageCB(field="region", page=page + 1)))
    rows += [nav, [_cancel()]]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def confirm(labels: dict[str, str]) -> InlineKeyboardMarkup:
    edits = [
        _button("✏️ " + labels[group], ConfirmCB(action="edit", step=group))
        for group in forms.EDIT_GROUPS
    ]
    rows = [[_button(_("✅ Confirm"), ConfirmCB(action="submit"))]]
    rows += _rows(edits, 2)
    rows.append([_cancel()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


# ------------------------------------------------------------------------------ cards


def card_actions(
    card: Card | None, others: list[Card], labels: dict[str, str]
) -> InlineKeyboardMarkup:
    """Refresh the QR of ``card`` (when it has one); switch to each of the other cards."""
    rows = []
    if card is not None:
        rows.append([_button(_("🔄 Refresh QR"), CardCB(action="refresh", card_id=str(card.id)))])
        rows.append(
            [_button(_("🖨 PDF for printing"), CardCB(action="print", card_id=str(card.id)))]
        )
    for other in others:
        data = CardCB(action="show", card_id=str(other.id))
        rows.append([_button("🪪 " + labels[str(other.id)], data)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def after_registration(card: Card) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("🪪 Show the QR code"), CardCB(action="show", card_id=str(card.id)))],
            [_button(_("📚 Take the course"), MenuCB(action="course"))],
        ]
    )


# ------------------------------------------------------------------------------ course


def module_mark(slug: str, progress: CourseProgress | None) -> str:
    """✅ passed, 🔁 tried and not passed yet, ▫️ not tried."""
    for item in progress.modules if progress is not None else []:
        if item.slug == slug:
            return "✅" if item.passed else ("🔁" if item.attempts else "▫️")
    return "▫️"


def modules(
    items: list[ModuleSummary], progress: CourseProgress | None, person: int, persons: list[str]
) -> InlineKeyboardMarkup:
    """One button per module with its mark; switch between the account's people if several."""
    rows = [
        [
            _button(
                f"{module_mark(m.slug, progress)} {m.position}. {m.title}",
                CourseCB(action="page", slug=m.slug, page=0, person=person),
            )
        ]
        for m in items
    ]
    if len(persons) > 1:
        rows.append(
            [
                _button(("👤 " if i == person else "") + name, CourseCB(action="list", person=i))
                for i, name in enumerate(persons)
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def lesson(slug: str, page: int, pages: int, person: int, can_quiz: bool) -> InlineKeyboardMarkup:
    nav = []
    if page > 0:
        back = CourseCB(action="page", slug=slug, page=page - 1, person=person)
        nav.append(_button(_("◀️ Back"), back))
    if page < pages - 1:
        forward = CourseCB(action="page", slug=slug, page=page + 1, person=person)
        nav.append(_button(_("Next ▶️"), forward))
    rows = [nav] if nav else []
    if page == pages - 1 and can_quiz:
        quiz = CourseCB(action="quiz", slug=slug, person=person)
        rows.append([_button(_("📝 Take the quiz"), quiz)])
    rows.append([_button(_("📚 All modules"), CourseCB(action="list", person=person))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def answers(slug: str, question: int, options: int) -> InlineKeyboardMarkup:
    buttons = [
        _button(str(option + 1), AnswerCB(slug=slug, question=question, option=option))
        for option in range(options)
    ]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, 5))


def quiz_done(slug: str, passed: bool, person: int) -> InlineKeyboardMarkup:
    rows = []
    if not passed:
        rows.append([_button(_("🔁 Try again"), CourseCB(action="quiz", slug=slug, person=person))])
        again = CourseCB(action="page", slug=slug, page=0, person=person)
        rows.append([_button(_("📖 Read the lesson again"), again)])
    rows.append([_button(_("📚 All modules"), CourseCB(action="list", person=person))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


# ------------------------------------------------------------------------------ guide


# The glossary is shown as one more guide section (the service's /glossary, not a section).
GLOSSARY_SECTION = "glossary"


def guide_sections(sections: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    rows = [[_button(title, GuideCB(slug=slug, page=0))] for slug, title in sections]
    rows.append([_button(texts.glossary_button(), GuideCB(slug=GLOSSARY_SECTION, page=0))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def guide_page(slug: str, page: int, pages: int) -> InlineKeyboardMarkup:
    nav = []
    if page > 0:
        nav.append(_button(_("◀️ Back"), GuideCB(slug=slug, page=page - 1)))
    if page < pages - 1:
        nav.append(_button(_("Next ▶️"), GuideCB(slug=slug, page=page + 1)))
    rows = [nav] if nav else []
    if slug == QR_GUIDE_SECTION:  # at a police check, the QR is what to show
        rows.append([_button(_("🪪 Show my QR"), MenuCB(action="card"))])
    rows.append([_button(_("🧭 All sections"), GuideCB())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


# ------------------------------------------------------------------------------ checklist

DONE_DAYS_PER_PAGE = 12
DONE_DAYS_MAX = 366  # one can report a thing done up to a year back


def checklist(
    card_number: str, listing: Checklist, others: list[Card], labels: dict[str, str]
) -> InlineKeyboardMarkup:
    """Mark each open item done (a patent payment: "I paid"); record the patent; mute or
    unmute reminders; refresh; switch cards."""
    rows = []
    for item in listing.items:
        if item.open and item.id != PATENT_PAYMENT:
            data = ChecklistCB(action="when", card=card_number, item=item.id)
            rows.append([_button(_("✅ Done: {title}").format(title=_short(item.title)), data)])
    patent = _patent_button(card_number, listing)
    if patent is not None:
        rows.append([patent])
    if listing.reminders_muted:
        toggle = _button(_("🔔 Turn reminders on"), ChecklistCB(action="unmute", card=card_number))
    else:
        toggle = _button(_("🔕 Mute reminders"), ChecklistCB(action="mute", card=card_number))
    refresh = _button(_("🔄 Refresh"), ChecklistCB(action="show", card=card_number))
    rows.append([toggle, refresh])
    for other in others:
        rows.append(
            [_button("🪪 " + labels[str(other.id)], ChecklistCB(action="show", card=other.number))]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


PATENT_PAYMENT = "patent-payment"
PATENT_APPLICATION = "work-permit"


def _patent_button(card_number: str, listing: Checklist) -> InlineKeyboardButton | None:
    """For a patent worker after entry: "I got my patent" until one is recorded (the
    payment then has a date), "I paid" after."""
    items = {i.id: i for i in listing.items if i.status != "not_applicable"}
    payment, application = items.get(PATENT_PAYMENT), items.get(PATENT_APPLICATION)
    if payment is not None and payment.due_on is not None:
        return _button(_("💳 I paid for the patent"), PermitCB(action="pay", card=card_number))
    if application is not None and application.due_on is not None:
        return _button(_("📄 I got my patent"), PermitCB(action="issue", card=card_number))
    return None


def _short(title: str, limit: int = 40) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def done_dates(card_number: str, item_id: str, today: date, start: int) -> InlineKeyboardMarkup:
    """Dates to choose from, newest first: today, yesterday, then the days before."""
    return _past_dates(
        today,
        start,
        pick=lambda back: ChecklistCB(action="on", card=card_number, item=item_id, days=back),
        page=lambda back: ChecklistCB(action="when", card=card_number, item=item_id, days=back),
        cancel=ChecklistCB(action="show", card=card_number),
    )


def permit_dates(
    card_number: str, ask: str, record: str, today: date, start: int
) -> InlineKeyboardMarkup:
    """A day of the patent (its issue, or a payment): ``ask`` pages, ``record`` picks."""
    return _past_dates(
        today,
        start,
        pick=lambda back: PermitCB(action=record, card=card_number, days=back),
        page=lambda back: PermitCB(action=ask, card=card_number, days=back),
        cancel=ChecklistCB(action="show", card=card_number),
    )


def payment_months(card_number: str, days: int) -> InlineKeyboardMarkup:
    """For how many months a payment was made: 1 to 12."""
    buttons = [
        _button(str(n), PermitCB(action="months", card=card_number, days=days, months=n))
        for n in range(1, 13)
    ]
    cancel = _button(_("✖️ Cancel"), ChecklistCB(action="show", card=card_number))
    return InlineKeyboardMarkup(inline_keyboard=[*_rows(buttons, 4), [cancel]])


def back_to_checklist(card_number: str) -> InlineKeyboardMarkup:
    cancel = _button(_("✖️ Cancel"), ChecklistCB(action="show", card=card_number))
    return InlineKeyboardMarkup(inline_keyboard=[[cancel]])


def _past_dates(
    today: date,
    start: int,
    *,
    pick: Callable[[int], CallbackData],
    page: Callable[[int], CallbackData],
    cancel: CallbackData,
) -> InlineKeyboardMarkup:
    """Dates newest first (today, yesterday, the days before), a page at a time."""
    start = max(0, min(start, DONE_DAYS_MAX - DONE_DAYS_PER_PAGE))
    buttons = []
    for back in range(start, min(start + DONE_DAYS_PER_PAGE, DONE_DAYS_MAX)):
        day = today - timedelta(days=back)
        text = (
            _("Today") if back == 0 else _("Yesterday") if back == 1 else day.strftime("%d.%m.%Y")
        )
        buttons.append(_button(text, pick(back)))
    rows = _rows(buttons, 3)
    nav = []
    if start + DONE_DAYS_PER_PAGE < DONE_DAYS_MAX:
        nav.append(_button(_("◀️ Earlier"), page(start + DONE_DAYS_PER_PAGE)))
    if start > 0:
        nav.append(_button(_("Later ▶️"), page(start - DONE_DAYS_PER_PAGE)))
    if nav:
        rows.append(nav)
    rows.append([_button(_("✖️ Cancel"), cancel)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def reminder(card_number: str, *, muted: bool = False) -> InlineKeyboardMarkup:
    """Under a reminder: the checklist, and muting the card (gone once it is muted)."""
    rows = [[_button(_("📋 My deadlines"), ChecklistCB(action="show", card=card_number))]]
    if not muted:
        silence = ChecklistCB(action="silence", card=card_number)
        rows.append([_button(_("🔕 Mute reminders for this card"), silence)])
    return InlineKeyboardMarkup(inline_keyboard=rows)
