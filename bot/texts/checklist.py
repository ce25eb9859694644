"""/checklist: deadlines after arrival, reports of done items, reminders."""

from __future__ import annotations

from datetime import date

from bot.api import (
    Card,
    Checklist,
    ChecklistItem,
    Reminder,
)
from bot.i18n import _
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
        if item.status in ("pending", "overdue") and item.reportable:
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


def _item_line(item: ChecklistItem, today: date) -> str:
    title = "<b>" + escape_html(item.title) + "</b>"
    if not item.reportable and item.due_on is not None and item.status == "pending":
        # The end of the stay as planned on the card, which is not the law's limit.
        line = "📅 " + _("Planned stay until {date} (as written on the card).").format(
            date=fmt_date(item.due_on)
        )
        return line + "\n<i>" + escape_html(item.how_to) + "</i>"
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
