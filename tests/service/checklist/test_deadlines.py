"""Deadlines as the law counts them. Every expected date below was worked out by hand from
the law's text (Civil Code arts. 191-193, Labour Code art. 112, the 2026 decree as given in
FACTS.md §11, 109-FZ art. 20, 115-FZ arts. 5.1 and 13.3, EAEU Treaty art. 97), with a
calendar on paper, not by running the code; the comment on each row shows the count."""

from __future__ import annotations

from datetime import date

import pytest

from service.checklist import policy as policies
from tests.factories import card_payload

POLICY = policies.load()
CAL = POLICY.calendar


@pytest.mark.parametrize(
    ("event", "count", "unit", "move", "expected", "approximate"),
    [
        # Mon 2 Mar 2026 + 7 working days: 3,4,5,6 (4); 7-8 weekend; Mon 9 Mar is off because
        # 8 March fell on a Sunday (art. 112 part 2); 10,11,12 → Thu 12 Mar.
        (date(2026, 3, 2), 7, "working_days", False, date(2026, 3, 12), False),
        # Thu 30 Apr 2026 + 7 working days: 1 May holiday, 2-3 weekend, 4-8 (5), 9 May a
        # Saturday holiday → Mon 11 May off, 12, 13 → Wed 13 May.
        (date(2026, 4, 30), 7, "working_days", False, date(2026, 5, 13), False),
        # New-year holidays 2026: Wed 31 Dec 2025 + 7 working days: 1-8 Jan holidays, Fri 9 Jan
        # off by the decree (from Sat 3 Jan), 10-11 weekend, 12-16 (5), 19, 20 → Tue 20 Jan.
        (date(2025, 12, 31), 7, "working_days", False, date(2026, 1, 20), False),
        # Tue 29 Dec 2026 + 1 working day → Wed 30 Dec (still 2026: final).
        (date(2026, 12, 29), 1, "working_days", False, date(2026, 12, 30), False),
        # Wed 30 Dec 2026 + 1 working day: Thu 31 Dec off by the decree (from Sun 4 Jan), 1-8
        # Jan 2027 holidays, 9-10 weekend → Mon 11 Jan 2027, approximate: 2027 not decreed.
        (date(2026, 12, 30), 1, "working_days", False, date(2027, 1, 11), True),
        # 2027 by rule: Fri 30 Apr + 3 working days: 1 May is a Saturday → Mon 3 May off;
        # 4, 5, 6 → Thu 6 May 2027, approximate.
        (date(2027, 4, 30), 3, "working_days", False, date(2027, 5, 6), True),
        # 30 calendar days from 2 Mar 2026: day 1 is 3 Mar, day 30 is 1 Apr (art. 191).
        (date(2026, 3, 2), 30, "calendar_days", False, date(2026, 4, 1), False),
        # 15 calendar days from 2 Mar 2026 → 17 Mar.
        (date(2026, 3, 2), 15, "calendar_days", False, date(2026, 3, 17), False),
        # 6 calendar days from 2 Mar 2026 → Sun 8 Mar; without the art. 193 move it stays...
        (date(2026, 3, 2), 6, "calendar_days", False, date(2026, 3, 8), False),
        # ... with it: 8 Mar Sunday, 9 Mar off (moved holiday) → Tue 10 Mar.
        (date(2026, 3, 2), 6, "calendar_days", True, date(2026, 3, 10), False),
        # Art. 192: 31 Jan + 1 month has no 31 Feb → the month's last day.
        (date(2026, 1, 31), 1, "months", False, date(2026, 2, 28), False),
        (date(2028, 1, 31), 1, "months", False, date(2028, 2, 29), False),
        (date(2026, 3, 20), 2, "months", False, date(2026, 5, 20), False),
        (date(2026, 5, 19), 3, "months", False, date(2026, 8, 19), False),
        (date(2026, 11, 30), 3, "months", False, date(2027, 2, 28), False),
        # 31 Jan 2026 + 1 month = Sat 28 Feb; with the move → Mon 2 Mar 2026.
        (date(2026, 1, 31), 1, "months", True, date(2026, 3, 2), False),
        # A year with no calendar file at all: counted from the Labour Code, approximate.
        (date(2030, 3, 1), 1, "working_days", False, date(2030, 3, 4), True),
    ],
)
def test_count_deadline_as_the_law_counts(
    event: date, count: int, unit: str, move: bool, expected: date, approximate: bool
) -> None:
    got = policies.count_deadline(
        event=event, count=count, unit=unit, calendar=CAL, move_off_day=move
    )
    assert got.on == expected
    assert got.approximate is approximate
    assert (got.reason is not None) is approximate


def test_the_2026_days_off_on_weekdays_are_those_of_the_decree() -> None:
    """FACTS.md §11: days off 31 Dec 2025-11 Jan 2026, 21-23 Feb, 7-9 Mar, 1-3 May, 9-11 May,
    12-14 Jun, 4 Nov, 31 Dec — on weekdays that is exactly this list."""
    weekdays_off = sorted(d for d in CAL.days_off(2026) if d.weekday() < 5)
    assert weekdays_off == [date(2026, 1, d) for d in (1, 2, 5, 6, 7, 8, 9)] + [
        date(2026, 2, 23),
        date(2026, 3, 9),
        date(2026, 5, 1),
        date(2026, 5, 11),
        date(2026, 6, 12),
        date(2026, 11, 4),
        date(2026, 12, 31),
    ]
    # 2027 by rule only (issue 12): 3 May, 10 May and 14 June are the art. 112 part 2 moves.
    moved_2027 = {date(2027, 5, 3), date(2027, 5, 10), date(2027, 6, 14)}
    assert moved_2027 <= CAL.days_off(2027)
    assert CAL.uncertain_year(date(2027, 6, 1)) and CAL.uncertain_year(date(2026, 6, 1)) is None


# The regimes × the obligations, for an entry on Mon 2 Mar 2026 and a stay until 30 May.
# "-" = does not apply. Dates: registration 7 working days → 12 Mar (see above); Tajik 15
# days → 17 Mar; EAEU workers 30 days → 1 Apr; fingerprints/medical for workers 30 days → 1 Apr;
# patent application 30 days → 1 Apr; the stay's end is the card's last day.
ENTRY = "2026-03-02"
UNTIL = "2026-05-30"
TABLE = [
    # citizenship, purpose, visa, regime, registration, biometrics, patent application, payment
    ("UZB", "work", None, "patent_worker", "2026-03-12", "2026-04-01", "2026-04-01", None),
    ("TJK", "work", None, "patent_worker", "2026-03-17", "2026-04-01", "2026-04-01", None),
    ("KGZ", "work", None, "eaeu_worker", "2026-04-01", "2026-04-01", "-", "-"),
    ("KAZ", "work", None, "eaeu_worker", "2026-04-01", "2026-04-01", "-", "-"),
    ("ARM", "work", None, "eaeu_worker", "2026-04-01", "2026-04-01", "-", "-"),
    # Belarus: no registration for a stay of 90 days or less; fingerprinting not confirmed.
    ("BLR", "work", None, "eaeu_worker", "-", "2026-04-01", "-", "-"),
    ("IND", "work", "123456789", "visa_worker", "2026-03-12", "2026-04-01", "-", "-"),
    # A national of a country not listed as visa-free is not sent to apply for a patent.
    ("CHN", "work", None, "visa_worker", "2026-03-12", "2026-04-01", "-", "-"),
    # Students and visitors staying 90 days or less: no fingerprinting or medical.
    ("UZB", "study", None, "student", "2026-03-12", "-", "-", "-"),
    ("TJK", "tourism", None, "other", "2026-03-17", "-", "-", "-"),
    ("KGZ", "private", None, "other", "2026-03-12", "-", "-", "-"),
]


def _card(client, actors, citizenship: str, purpose: str, visa: str | None) -> str:  # type: ignore[no-untyped-def]
    overrides = {
        "holder.citizenship": citizenship,
        "purpose": purpose,
        "planned_stay.from": ENTRY,
        "planned_stay.until": UNTIL,
    }
    if visa:
        overrides["visa_number"] = visa
    r = client.post("/api/v1/cards", json=card_payload(**overrides), headers=actors["admin"])
    assert r.status_code == 201, r.text
    card_id = r.json()["id"]
    r = client.post(
        f"/api/v1/cards/{card_id}/entry",
        json={"crossing_point": "SVO", "entered_on": ENTRY},
        headers=actors["border"],
    )
    assert r.status_code == 200, r.text
    return card_id


def test_regimes_by_obligations_for_an_entry_on_2_march_2026(client, actors, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    fixed_clock.set_date(date(2026, 3, 2))
    for cit, purpose, visa, regime, registration, biometrics, application, payment in TABLE:
        card_id = _card(client, actors, cit, purpose, visa)
        r = client.get(f"/api/v1/cards/{card_id}/checklist?lang=en", headers=actors["officer"])
        assert r.status_code == 200, r.text
        body = r.json()
        row = (cit, purpose)
        assert body["regime"] == regime, row
        items = {i["id"]: i for i in body["items"]}
        for item_id, expected in (
            ("migration-registration", registration),
            ("biometrics-and-medical", biometrics),
            ("work-permit", application),
            ("patent-payment", payment),
        ):
            item = items[item_id]
            if expected == "-":
                assert item["status"] == "not_applicable", (row, item_id, item)
                assert item["due_on"] is None
            else:
                assert item["status"] == "pending", (row, item_id, item)
                assert item["due_on"] == expected, (row, item_id, item)
        assert items["stay-end"]["due_on"] == UNTIL and items["stay-end"]["status"] == "pending"
        if cit == "BLR":
            bio = items["biometrics-and-medical"]
            assert bio["approximate"] is True and "Belarus" in bio["approximate_reason"]
        else:
            assert not any(i["approximate"] for i in items.values()), row
        assert items["work-permit"]["checked_on"] == "2026-12-01"
        assert items["biometrics-and-medical"]["checked_on"] is None  # nobody recorded a day


def test_new_year_deadlines_reaching_an_undecreed_year_are_approximate(
    client, actors, fixed_clock
) -> None:  # type: ignore[no-untyped-def]
    fixed_clock.set_date(date(2026, 12, 28))
    r = client.post(
        "/api/v1/cards",
        json=card_payload(
            **{"planned_stay.from": "2026-12-28", "planned_stay.until": "2027-03-20"}
        ),
        headers=actors["admin"],
    )
    card_id = r.json()["id"]
    client.post(
        f"/api/v1/cards/{card_id}/entry",
        json={"crossing_point": "SVO", "entered_on": "2026-12-28"},
        headers=actors["border"],
    )
    items = {
        i["id"]: i
        for i in client.get(f"/api/v1/cards/{card_id}/checklist", headers=actors["officer"]).json()[
            "items"
        ]
    }
    # Mon 28 Dec + 7 working days: 29, 30 Dec (2); 31 Dec off by the 2026 decree; 1-8 Jan
    # holidays; 9-10 weekend; 11-15 Jan (5) → Fri 15 Jan 2027, approximate (2027 undecreed).
    reg = items["migration-registration"]
    assert reg["due_on"] == "2027-01-15" and reg["approximate"] is True
    assert "2027" in reg["approximate_reason"]
    # Calendar-day counts do not depend on the production calendar.
    assert items["work-permit"]["due_on"] == "2027-01-27"
    assert items["work-permit"]["approximate"] is False
