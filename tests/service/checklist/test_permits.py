"""Patents as records: the payment, contract-copy and registration-renewal items dated from
them, reminders before the payment, and every bad input answered as problem+json.

Expected dates from the law: the patent lapses the day after its last paid day (115-FZ
art. 13.3), so the payment is due on the last paid day; the contract copy within two months
of issue (art. 13.3 para. 7) — 20 Mar + 2 months = 20 May (Civil Code art. 192); a payment
of 3 months from a last paid day of 19 May ends on 19 Aug (art. 192)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.factories import card_payload, consented_bot

PROBLEM = "application/problem+json"
HOLDER = 8080  # the Telegram user the bot registered the card for


def _entered(client, actors, fixed_clock, *, until: str, **overrides) -> str:  # type: ignore[no-untyped-def]
    fixed_clock.set_date(date(2026, 3, 2))
    r = client.post(
        "/api/v1/cards",
        json=card_payload(
            **{"planned_stay.from": "2026-03-02", "planned_stay.until": until}, **overrides
        ),
        headers=consented_bot(client, actors, HOLDER),
    )
    assert r.status_code == 201, r.text
    card_id = r.json()["id"]
    r = client.post(
        f"/api/v1/cards/{card_id}/entry",
        json={"crossing_point": "SVO", "entered_on": "2026-03-02"},
        headers=actors["border"],
    )
    assert r.status_code == 200, r.text
    return str(card_id)


def _items(client, actors, card_id: str) -> dict[str, dict]:  # type: ignore[type-arg]
    r = client.get(f"/api/v1/cards/{card_id}/checklist?lang=en", headers=actors["officer"])
    assert r.status_code == 200, r.text
    return {i["id"]: i for i in r.json()["items"]}


def test_patent_dates_payment_contract_copy_and_renewal(client, actors, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    card_id = _entered(client, actors, fixed_clock, until="2026-05-30")
    before = _items(client, actors, card_id)
    assert before["patent-payment"]["due_on"] is None
    assert before["contract-copy"]["due_on"] is None
    assert before["registration-renewal"]["status"] == "not_applicable"

    fixed_clock.set_date(date(2026, 3, 25))
    r = client.post(
        f"/api/v1/cards/{card_id}/permits",
        json={
            "kind": "patent",
            "issued_on": "2026-03-20",
            "paid_until": "2026-05-19",
            "number": "77 № 2600123456",
        },
        headers=actors["cards:write"],
    )
    assert r.status_code == 201, r.text
    permit = r.json()
    assert permit["id"] and permit["paid_until"] == "2026-05-19" and permit["payments"] == []
    items = _items(client, actors, card_id)
    assert items["patent-payment"]["due_on"] == "2026-05-19"
    assert items["patent-payment"]["status"] == "pending"
    assert items["patent-payment"]["reportable"] is False  # met by recording the payment
    assert items["contract-copy"]["due_on"] == "2026-05-20"
    assert items["contract-copy"]["status"] == "pending"
    assert items["work-permit"]["status"] == "done"  # the patent is proof of the application
    # Paid until 19 May, stay until 30 May: nothing to renew yet.
    assert items["registration-renewal"]["status"] == "not_applicable"

    r = client.post(
        f"/api/v1/cards/{card_id}/permits/{permit['id']}/payments",
        json={"paid_on": "2026-03-25", "months": 3},
        headers=actors.bot_for(HOLDER),
    )
    assert r.status_code == 201, r.text
    assert r.json()["paid_until"] == "2026-08-19"
    assert r.json()["payments"] == [
        {
            "paid_on": "2026-03-25",
            "months": 3,
            "paid_until_before": "2026-05-19",
            "paid_until_after": "2026-08-19",
        }
    ]
    items = _items(client, actors, card_id)
    assert items["patent-payment"]["due_on"] == "2026-08-19"
    # Paid past the stay's end (30 May): renew the registration before it ends.
    renewal = items["registration-renewal"]
    assert renewal["status"] == "pending" and renewal["due_on"] == "2026-05-30"
    assert renewal["title"] == "Renewing the migration registration"

    r = client.post(
        f"/api/v1/cards/{card_id}/checklist/contract-copy/done",
        json={"evidence": "sent by post"},
        headers=actors.bot_for(HOLDER),
    )
    assert r.status_code == 200, r.text
    assert _items(client, actors, card_id)["contract-copy"]["status"] == "done"
    listed = client.get(f"/api/v1/cards/{card_id}/permits", headers=actors["officer"])
    assert [p["paid_until"] for p in listed.json()] == ["2026-08-19"]


def test_month_end_counts(client, actors, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    fixed_clock.set_date(date(2025, 12, 20))
    r = client.post(
        "/api/v1/cards",
        json=card_payload(
            **{"planned_stay.from": "2025-12-20", "planned_stay.until": "2026-03-15"}
        ),
        headers=actors["admin"],
    )
    card_id = r.json()["id"]
    fixed_clock.set_date(date(2025, 12, 22))
    r = client.post(
        f"/api/v1/cards/{card_id}/entry",
        json={"crossing_point": "SVO", "entered_on": "2025-12-22"},
        headers=actors["border"],
    )
    assert r.status_code == 200, r.text
    fixed_clock.set_date(date(2026, 1, 5))
    r = client.post(
        f"/api/v1/cards/{card_id}/permits",
        json={"kind": "patent", "issued_on": "2025-12-31", "paid_until": "2026-01-31"},
        headers=actors["cards:write"],
    )
    assert r.status_code == 201, r.text
    permit = r.json()
    items = _items(client, actors, card_id)
    # 31 Dec + 2 months: no 31 February → 28 Feb 2026 (art. 192); a Saturday, and no move is
    # applied to this period (obligations.yaml says why).
    assert items["contract-copy"]["due_on"] == "2026-02-28"
    assert items["patent-payment"]["due_on"] == "2026-01-31"
    r = client.post(
        f"/api/v1/cards/{card_id}/permits/{permit['id']}/payments",
        json={"paid_on": "2026-01-05", "months": 1},
        headers=actors["cards:write"],
    )
    # 31 Jan + 1 month → 28 Feb (art. 192).
    assert r.status_code == 201, r.text
    assert r.json()["paid_until"] == "2026-02-28"


def test_payment_reminders_use_the_reminder_mechanism(client, actors, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    fixed_clock.current = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    client.post(
        f"/api/v1/telegram-users/{HOLDER}/consent",
        json={"notice_version": "v1", "language": "en"},
        headers=actors.bot_for(HOLDER),
    )
    card = client.post(
        "/api/v1/cards",
        json=card_payload(
            telegram_user_id=HOLDER,
            language="en",
            **{"planned_stay.from": "2026-03-02", "planned_stay.until": "2026-09-30"},
        ),
        headers=actors.bot_for(HOLDER),
    ).json()
    client.post(
        f"/api/v1/cards/{card['id']}/entry",
        json={"crossing_point": "SVO", "entered_on": "2026-03-02"},
        headers=actors["border"],
    )
    fixed_clock.current = datetime(2026, 3, 25, 9, 0, tzinfo=UTC)
    permit = client.post(
        f"/api/v1/cards/{card['id']}/permits",
        json={"kind": "patent", "issued_on": "2026-03-20", "paid_until": "2026-05-19"},
        headers=actors.bot_for(HOLDER),
    ).json()

    def claim() -> list[tuple[str, str, int]]:
        r = client.post("/api/v1/reminders/claim", headers=actors["bot"])
        assert r.status_code == 200, r.text
        return [(i["item_id"], i["due_on"], i["days_left"]) for i in r.json()["items"]]

    fixed_clock.current = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
    assert ("patent-payment", "2026-05-19", 7) in claim()
    assert claim() == []  # once
    client.post(
        f"/api/v1/cards/{card['id']}/permits/{permit['id']}/payments",
        json={"paid_on": "2026-05-12", "months": 3},
        headers=actors.bot_for(HOLDER),
    )
    fixed_clock.current = datetime(2026, 8, 18, 9, 0, tzinfo=UTC)
    assert ("patent-payment", "2026-08-19", 1) in claim()


def test_bad_input_is_a_problem_never_a_500(client, actors, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    card_id = _entered(client, actors, fixed_clock, until="2026-05-30")
    other_id = _entered(client, actors, fixed_clock, until="2026-05-30")
    fixed_clock.set_date(date(2026, 3, 25))
    url = f"/api/v1/cards/{card_id}/permits"
    good = {"kind": "patent", "issued_on": "2026-03-20", "paid_until": "2026-05-19"}

    def problem(r, status: int, reason: str | None = None) -> None:  # type: ignore[no-untyped-def]
        assert r.status_code == status, r.text
        assert r.headers["content-type"] == PROBLEM
        if reason:
            assert r.json()["reason"] == reason, r.json()

    headers = actors["cards:write"]
    for bad in (
        {**good, "kind": "visa"},
        {**good, "issued_on": "2026-03-26"},  # in the future
        {**good, "issued_on": "2026-02-27"},  # before the entry
        {**good, "paid_until": "2026-03-19"},  # before the issue
        {**good, "paid_until": "2027-03-21"},  # beyond 12 months
        {**good, "issued_on": "2026-02-30"},
        {**good, "number": "<script>"},
        {**good, "extra": 1},
        {"kind": "patent"},
    ):
        problem(client.post(url, json=bad, headers=headers), 422)
    problem(client.post(url, json=good, headers=actors["officer"]), 403)
    problem(client.post(url, json=good, headers=actors["cards:read"]), 403)
    missing = "/api/v1/cards/00000000-0000-0000-0000-000000000000/permits"
    problem(client.post(missing, json=good, headers=headers), 404)
    kyrgyz = _entered(
        client, actors, fixed_clock, until="2026-05-30", **{"holder.citizenship": "KGZ"}
    )
    fixed_clock.set_date(date(2026, 3, 25))
    problem(
        client.post(f"/api/v1/cards/{kyrgyz}/permits", json=good, headers=headers),
        409,
        "not-applicable",
    )
    r = client.post(url, json=good, headers=actors["admin"])
    assert r.status_code == 201, r.text
    permit_id = r.json()["id"]
    pay = f"{url}/{permit_id}/payments"
    for bad in (
        {"paid_on": "2026-03-25", "months": 0},
        {"paid_on": "2026-03-25", "months": 13},
        {"paid_on": "2026-03-25", "months": "3"},
        {"paid_on": "2026-03-25", "months": 1.5},
        {"paid_on": "2026-03-26", "months": 1},  # in the future
        {"paid_on": "2026-03-19", "months": 1},  # before the issue
        {"paid_on": "2026-03-25", "months": 11},  # 19 May + 11 months is past 20 Mar 2027
        {"paid_on": "2026-03-25"},
    ):
        problem(client.post(pay, json=bad, headers=headers), 422)
    # The permit belongs to another card: not found there.
    problem(
        client.post(
            f"/api/v1/cards/{other_id}/permits/{permit_id}/payments",
            json={"paid_on": "2026-03-25", "months": 1},
            headers=headers,
        ),
        404,
    )
    problem(
        client.post(
            f"{url}/00000000-0000-0000-0000-000000000000/payments",
            json={"paid_on": "2026-03-25", "months": 1},
            headers=headers,
        ),
        404,
    )
    # Nothing was written by the refused requests.
    listed = client.get(url, headers=actors["officer"]).json()
    assert [(p["paid_until"], p["payments"]) for p in listed] == [("2026-05-19", [])]
    # After the last paid day the patent has lapsed: a payment does not revive it.
    fixed_clock.set_date(date(2026, 5, 21))
    problem(
        client.post(pay, json={"paid_on": "2026-05-20", "months": 1}, headers=headers),
        409,
        "patent-lapsed",
    )
    ok = client.post(pay, json={"paid_on": "2026-05-19", "months": 10}, headers=headers)
    assert ok.status_code == 201 and ok.json()["paid_until"] == "2027-03-19"
