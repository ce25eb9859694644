"""/checklist: deadlines after arrival, reports of done items, reminders."""

from __future__ import annotations

from datetime import date

from bot.api import (
    Card,
    Checklist,
    ChecklistItem,
    Reminder,
)
from bot.i18n import Text, _
from bot.texts.common import escape_html, fmt_date


def checklist(card: Card, listing: Checklist, today: date, name: str = "") -> str:
    """Each obligation that applies, with its date and what to do; the reminders' state."""
    lines = [
        "<b>" + _("Deadlines for card {number}").format(number=escape_html(card.number)) + "</b>"
    ]
    if name:
        lines.append(_("Holder: {name}").format(name=escape_html(name)))
    shown = [i for i in listing.items if i.status != "not_applicable"]
    waiting = [i for i in shown if i.due_on is None and i.status == "pending"]
    if waiting:  # before entry: one sentence, not "no date yet" on every line
        lines += ["", _("⏳ The deadlines start when the border officer records your entry.")]
        lines += [f"▫️ {escape_html(i.title)}" for i in waiting]
    for item in shown:
        if item in waiting:
            continue
        lines += ["", _item_line(item, today)]
        if item.status in ("pending", "overdue") and item.id != STAY_END:
            lines.append("<i>" + escape_html(item.how_to) + "</i>")
    if not shown:
        lines += ["", _("Nothing is due for this card.")]
    if listing.stay_limit is not None:
        limit = escape_html(listing.stay_limit.text)
        lines += ["", "⚖️ " + _("The law's limit: {text}").format(text=limit)]
    lines.append("")
    if listing.reminders_muted:
        lines.append(_("🔕 Reminders for this card are off."))
    else:
        lines.append(_("🔔 I will remind you here before each date, never at night."))
    lines.append(_("The dates follow the law as we know it; check them at the migration office."))
    return "\n".join(lines)


STAY_END = "stay-end"  # the card's planned stay: shown as planned, not as a deadline


def _item_line(item: ChecklistItem, today: date) -> str:
    title = "<b>" + escape_html(item.title) + "</b>"
    if item.id == STAY_END and item.due_on is not None and item.status == "pending":
        # The end of the stay as planned on the card, which is not the law's limit.
        line = "📅 " + _("Planned stay until {date} (as written on the card).").format(
            date=fmt_date(item.due_on)
        )
        return line + "\n<i>" + escape_html(item.how_to) + "</i>"
    if item.status == "done" and item.done is None:  # done as a record shows (a patent)
        return "✅ " + _("{title}: done").format(title=title)
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
    return _("When was it done: «{title}»? Choose the date.").format(title=escape_html(title))


def marked_done(title: str) -> str:
    return _("Marked as done: {title}.").format(title=escape_html(title))


already_done = Text("This is already marked as done.")

not_applicable = Text("This does not apply to this card.")

reminders_muted = Text("Reminders for this card are off.")

reminders_unmuted = Text("Reminders for this card are on.")


def reminder(item: Reminder) -> str:
    """A reminder of a deadline, in the language of the person it was claimed for."""
    return "\n".join(
        [
            "⏰ <b>" + _("Reminder") + "</b> · " + escape_html(item.card_number),
            "<b>" + escape_html(item.title) + "</b>",
            _when(item),
            "",
            escape_html(item.how_to),
        ]
    )


def _when(item: Reminder) -> str:
    day = fmt_date(item.due_on)
    if item.days_left <= 0:
        return _("Today is the last day: {date}.").format(date=day)
    if item.days_left == 1:
        return _("Tomorrow is the last day: {date}.").format(date=day)
    return _("Last day: {date} (days left: {days}).").format(date=day, days=item.days_left)


# The patent: "I got my patent" and "I paid" (bot/handlers/permits.py).


patent_issued_when = Text("On which day was your patent issued? Choose the date.")


def patent_issued_on(day: date) -> str:
    return _("Patent issued on {date}.").format(date=fmt_date(day))


patent_paid_until_prompt = Text(
    "Until which day is the patent paid? Type the date from your payment receipt:"
)

patent_date_unreadable = Text("Please write the date as DD.MM.YYYY, for example 01.05.1990.")

patent_paid_before_issue = Text("The paid period cannot end before the patent was issued.")


def patent_recorded(paid_until: date) -> str:
    return _("✅ Patent recorded, paid until {date}.").format(date=fmt_date(paid_until))


payment_when = Text("On which day did you pay for the patent?")


def payment_months(day: date) -> str:
    return _("Payment of {date}: for how many months did you pay?").format(date=fmt_date(day))


def payment_recorded(paid_until: date) -> str:
    return _("✅ Payment recorded: the patent is paid until {date}.").format(
        date=fmt_date(paid_until)
    )


def patent_refused(reason: str) -> str:
    """Why the registry did not take a patent or a payment (its reason or field)."""
    reasons = {
        "not-applicable": _("A patent is not needed for this card."),
        "card-closed": _("This card is closed."),
        "patent-lapsed": _(
            "The paid period had already ended before this payment, so it cannot be extended "
            "here. Check your patent at the migration office."
        ),
        "issued_on": _("The issue date cannot be in the future or before your entry was recorded."),
        "paid_until": _("The last paid day cannot be more than 12 months after the issue date."),
        "months": _("This payment would take the patent past 12 months from its issue."),
        "paid_on": _("The payment date cannot be in the future or before the patent was issued."),
    }
    return "⚠️ " + reasons.get(
        reason, _("The registry did not accept this. Please check the dates.")
    )
