"""Deadlines computed from the card at a fixed clock, marking items done, and reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from service.checklist import policy as policies
from service.core import clock
from service.main import create_app
from tests.factories import card_payload, consented_bot


def _card(client, actors, *, entered_on: str | None, headers=None, **overrides):  # type: ignore[no-untyped-def]
    card = client.post(
        "/api/v1/cards", json=card_payload(**overrides), headers=headers or actors["admin"]
    ).json()
    if entered_on:
        r = client.post(
            f"/api/v1/cards/{card['id']}/entry",
            json={"crossing_point": "SVO", "entered_on": entered_on},
            headers=actors["border"],
        )
        assert r.status_code == 200, r.text
    return card


def _items(client, actors, card_id: str, lang: str = "en") -> dict[str, dict]:  # type: ignore[type-arg]
    r = client.get(
        f"/api/v1/cards/{card_id}/checklist", params={"lang": lang}, headers=actors["officer"]
    )
    assert r.status_code == 200, r.text
    return {i["id"]: i for i in r.json()["items"]}


def _regime(client, actors, card_id: str) -> str:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/cards/{card_id}/checklist", headers=actors["officer"])
    return str(r.json()["regime"])


def test_due_dates_across_new_year_holidays_and_weekends(client, actors, fixed_clock) -> None:
    fixed_clock.set_date(date(2026, 12, 30))
    uzbek = _card(
        client,
        actors,
        entered_on="2026-12-28",
        **{"planned_stay.from": "2026-12-28", "planned_stay.until": "2027-03-20"},
    )
    items = _items(client, actors, uzbek["id"])
    # Mon 28 Dec + 7 working days: 29, 30 Dec; 31 Dec is off by the 2026 decree, 1-8 Jan are
    # holidays and 9-10 Jan a weekend, then 11-15 Jan (approximate: 2027 is not decreed).
    assert items["migration-registration"]["due_on"] == "2027-01-15"
    assert items["migration-registration"]["approximate"] is True
    assert items["biometrics-and-medical"]["due_on"] == "2027-01-27"
    assert items["work-permit"]["due_on"] == "2027-01-27"
    assert items["patent-payment"]["due_on"] is None  # counted from the patent, not recorded yet
    assert items["stay-end"]["due_on"] == "2027-03-20"
    assert {i["status"] for k, i in items.items() if k != "registration-renewal"} == {"pending"}
    assert items["registration-renewal"]["status"] == "not_applicable"  # no patent paid
    assert _regime(client, actors, uzbek["id"]) == "patent_worker"
    assert "109-FZ" in items["migration-registration"]["source"]

    tajik = _card(client, actors, entered_on="2026-12-28", **{"holder.citizenship": "TJK"})
    assert _items(client, actors, tajik["id"])["migration-registration"]["due_on"] == "2027-01-12"
    kazakh = _card(client, actors, entered_on="2026-12-28", **{"holder.citizenship": "KAZ"})
    assert _regime(client, actors, kazakh["id"]) == "eaeu_worker"
    kz = _items(client, actors, kazakh["id"])
    assert kz["migration-registration"]["due_on"] == "2027-01-27"
    assert kz["work-permit"]["status"] == "not_applicable"  # EAEU: no patent
    student = _card(
        client,
        actors,
        entered_on="2026-12-28",
        purpose="study",
        **{"planned_stay.from": "2026-12-28", "planned_stay.until": "2027-01-20"},
    )
    st = _items(client, actors, student["id"])
    assert st["work-permit"]["status"] == "not_applicable"
    assert st["biometrics-and-medical"]["status"] == "not_applicable"  # stay of 90 days or less
    long_study = _card(
        client,
        actors,
        entered_on="2026-12-28",
        purpose="study",
        **{"planned_stay.from": "2026-12-28", "planned_stay.until": "2027-09-01"},
    )
    assert (
        _items(client, actors, long_study["id"])["biometrics-and-medical"]["due_on"] == "2027-03-28"
    )


def test_overdue_and_done(client, actors, fixed_clock) -> None:
    fixed_clock.set_date(date(2026, 11, 2))
    bot = consented_bot(client, actors, 4242)
    card = _card(client, actors, entered_on="2026-11-02", headers=bot)
    fixed_clock.set_date(date(2026, 11, 20))
    items = _items(client, actors, card["id"])
    assert items["migration-registration"]["status"] == "overdue"
    r = client.post(
        f"/api/v1/cards/{card['id']}/checklist/migration-registration/done",
        json={"evidence": "slip 77-123"},
        params={"lang": "en"},
        headers=actors["cards:write"],
    )
    assert r.status_code == 200, r.text
    answered = {i["id"]: i for i in r.json()["items"]}["migration-registration"]
    assert r.json()["language"] == "en" and answered["status"] == "done"
    assert answered["title"] == "Migration registration at the place of stay"
    done = _items(client, actors, card["id"], lang="ru")["migration-registration"]
    assert done["status"] == "done" and done["done"] == {
        "done_on": "2026-11-20",
        "evidence": "slip 77-123",
        "self_reported": False,
    }
    assert done["title"] == "Постановка на миграционный учёт"
    client.post(
        f"/api/v1/cards/{card['id']}/checklist/work-permit/done",
        json={"evidence": "patent 77 No 123", "done_on": "2026-11-18"},
        headers=bot,
    )
    items = _items(client, actors, card["id"])
    assert items["work-permit"]["done"]["self_reported"] is True
    # The application reported done is not the patent: its dates come from a patent record.
    assert items["patent-payment"]["due_on"] is None
    paid = client.post(
        f"/api/v1/cards/{card['id']}/checklist/patent-payment/done",
        json={"evidence": "receipt 1"},
        headers=bot,
    )
    assert paid.status_code == 409 and paid.json()["reason"] == "not-reportable"
    again = client.post(
        f"/api/v1/cards/{card['id']}/checklist/migration-registration/done",
        json={"evidence": "x"},
        headers=actors["cards:write"],
    )
    assert again.status_code == 409
    assert (
        client.post(
            f"/api/v1/cards/{card['id']}/checklist/nonsense/done",
            json={"evidence": "x"},
            headers=actors["cards:write"],
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/cards/{card['id']}/checklist/stay-end/done",
            json={"evidence": "x"},
            headers=actors["officer"],
        ).status_code
        == 403
    )
    refused = client.post(
        f"/api/v1/cards/{card['id']}/checklist/stay-end/done",
        json={"evidence": "left"},
        headers=actors["cards:write"],
    )
    assert refused.status_code == 409 and refused.json()["reason"] == "not-reportable"
    assert _items(client, actors, card["id"])["stay-end"]["reportable"] is False


def test_unknown_language_falls_back_to_russian(client, actors) -> None:
    card = _card(client, actors, entered_on=None)
    r = client.get(
        f"/api/v1/cards/{card['id']}/checklist", params={"lang": "fr"}, headers=actors["officer"]
    )
    assert r.json()["language"] == "ru" and r.json()["fallback"] is True
    r = client.get(
        f"/api/v1/cards/{card['id']}/checklist",
        headers={**actors["officer"], "Accept-Language": "ky-KG"},
    )
    assert r.json()["language"] == "ky" and r.json()["fallback"] is False


def test_accept_language_is_weighed_by_its_q_values(client, actors) -> None:
    card = _card(client, actors, entered_on=None)
    url = f"/api/v1/cards/{card['id']}/checklist"
    for header, language in (("fr, en;q=0.4, uz;q=0.8", "uz"), ("ky;q=0, de, en;q=0.1", "en")):
        r = client.get(url, headers={**actors["officer"], "Accept-Language": header})
        assert (r.json()["language"], r.json()["fallback"]) == (language, False), header


def _claim(client, actors) -> list[dict]:  # type: ignore[type-arg]
    r = client.post("/api/v1/reminders/claim", headers=actors["bot"])
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    for item in items:
        assert (
            client.post(f"/api/v1/reminders/{item['id']}/sent", headers=actors["bot"]).status_code
            == 204
        )
    return items


def test_reminders_once_each_in_language_never_at_night(
    client, actors, fixed_clock, settings, engine
) -> None:
    start = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
    fixed_clock.current = start
    client.post(
        "/api/v1/telegram-users/42/consent",
        json={"notice_version": "v1", "language": "uz"},
        headers=actors.bot_for(42),
    )
    card = client.post(
        "/api/v1/cards",
        json=card_payload(
            telegram_user_id=42, language="uz", **{"planned_stay.until": "2026-12-31"}
        ),
        headers=actors.bot_for(42),
    ).json()
    client.post(
        f"/api/v1/cards/{card['id']}/entry",
        json={"crossing_point": "SVO"},
        headers=actors["border"],
    )
    sent: list[tuple[str, str, int]] = []
    hours = [
        3,
        13,
        20,
    ]  # UTC: 06:00 (night in Vladivostok is irrelevant: Moscow card), 16:00, 23:00 Moscow
    for day in range(0, 62):
        for hour in hours:
            fixed_clock.current = datetime(2026, 11, 2, tzinfo=UTC) + timedelta(
                days=day, hours=hour
            )
            local_hour = (hour + 3) % 24
            got = _claim(client, actors)
            if not 9 <= local_hour < 21:
                assert got == [], (fixed_clock.current, got)
            for item in got:
                assert item["language"] == "uz" and item["telegram_user_id"] == 42
                assert item["title"] and item["how_to"]
                sent.append((item["item_id"], item["due_on"], item["days_left"]))
        if day == 20:
            # The sender restarts: a new app on the same database sends nothing twice.
            other = create_app(settings, engine)
            from fastapi.testclient import TestClient

            with TestClient(other) as fresh:
                assert _claim(fresh, actors) == []
    keys = [(i, d) for i, d, _ in sent]
    by_item = {}
    for item_id, due, left in sent:
        by_item.setdefault((item_id, due), []).append(left)
    assert by_item[("migration-registration", "2026-11-12")] == [7, 3, 1]
    assert by_item[("biometrics-and-medical", "2026-12-02")] == [7, 3, 1]
    assert by_item[("stay-end", "2026-12-31")] == [7, 3, 1, 0]
    assert len(keys) == len(sent)
    assert len(set((i, d, left) for i, d, left in sent)) == len(sent)  # no duplicates


def test_muted_card_gets_no_reminders(client, actors, fixed_clock) -> None:
    fixed_clock.current = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    client.post(
        "/api/v1/telegram-users/43/consent",
        json={"notice_version": "v1", "language": "ru"},
        headers=actors.bot_for(43),
    )
    card = client.post(
        "/api/v1/cards", json=card_payload(telegram_user_id=43), headers=actors.bot_for(43)
    ).json()
    client.post(
        f"/api/v1/cards/{card['id']}/entry",
        json={"crossing_point": "SVO"},
        headers=actors["border"],
    )
    assert (
        client.put(
            f"/api/v1/cards/{card['id']}/reminders",
            json={"muted": True},
            headers=actors.bot_for(43),
        ).status_code
        == 200
    )
    shown = client.get(f"/api/v1/cards/{card['id']}/checklist", headers=actors.bot_for(43)).json()
    assert shown["reminders_muted"] is True
    for day in range(40):
        fixed_clock.current = datetime(2026, 11, 2, 9, 0, tzinfo=UTC) + timedelta(days=day)
        assert _claim(client, actors) == []
    client.put(
        f"/api/v1/cards/{card['id']}/reminders", json={"muted": False}, headers=actors.bot_for(43)
    )
    fixed_clock.set_date(date.fromisoformat(card["stay_until"]) - timedelta(days=1))
    assert [i["item_id"] for i in _claim(client, actors)] == ["stay-end"]


def test_unconfirmed_claims_come_back_after_the_lease(client, actors, fixed_clock) -> None:
    fixed_clock.current = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
    client.post(
        "/api/v1/telegram-users/44/consent",
        json={"notice_version": "v1", "language": "ru"},
        headers=actors.bot_for(44),
    )
    card = client.post(
        "/api/v1/cards", json=card_payload(telegram_user_id=44), headers=actors.bot_for(44)
    ).json()
    client.post(
        f"/api/v1/cards/{card['id']}/entry",
        json={"crossing_point": "SVO", "entered_on": "2026-11-02"},
        headers=actors["border"],
    )
    first = client.post("/api/v1/reminders/claim", headers=actors["bot"]).json()["items"]
    assert [i["item_id"] for i in first] == ["migration-registration"]
    assert client.post("/api/v1/reminders/claim", headers=actors["bot"]).json()["items"] == []
    fixed_clock.advance(minutes=11)
    again = client.post("/api/v1/reminders/claim", headers=actors["bot"]).json()["items"]
    assert [i["id"] for i in again] == [first[0]["id"]]


def test_policy_check_names_the_file_and_problem(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(policies.DEFAULT_DIR, tmp_path / "policy")
    path = tmp_path / "policy" / "obligations.yaml"
    path.write_text(path.read_text().replace("unit: working_days", "unit: fortnights", 1))
    with pytest.raises(
        policies.PolicyError, match=r"obligations.yaml: obligation 'migration-registration'.unit"
    ):
        policies.load(tmp_path / "policy")
    path.write_text(
        path.read_text()
        .replace("unit: fortnights", "unit: working_days")
        .replace("      kk: Тұратын жері бойынша көші-қон есебіне тұру\n", "")
    )
    with pytest.raises(policies.PolicyError, match=r"title is missing languages \['kk'\]"):
        policies.load(tmp_path / "policy")
    assert clock.today()  # the real clock is untouched


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "obligations.yaml",
            "    count: 7 ",
            "    cuont: 7\n    count: 7 ",
            "obligations.yaml: obligation 'migration-registration' has an unknown field 'cuont'",
        ),
        (
            "regimes.yaml",
            "    when: {purposes: [study]}",
            "    when: {purposes: [study], age: 18}",
            "regimes.yaml: regimes[0].when has an unknown field 'age'",
        ),
        (
            "calendar/2026.yaml",
            "transfers_entered: true",
            "transfers_entered: yes please",
            "2026.yaml: transfers_entered must be true or false",
        ),
    ],
)
def test_policy_files_refuse_unknown_fields_and_bad_values(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    import shutil

    shutil.copytree(policies.DEFAULT_DIR, tmp_path / "policy")
    path = tmp_path / "policy" / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(policies.PolicyError) as raised:
        policies.load(tmp_path / "policy")
    assert message in str(raised.value)


def test_the_answer_states_the_law_s_limit_on_the_stay_for_the_regime(client, actors) -> None:  # type: ignore[no-untyped-def]
    """The planned stay on the card is not the law's limit: the answer says what the limit is,
    by regime and in the language asked for, with its source."""

    def limit(card_id: str, lang: str) -> dict[str, str]:
        r = client.get(
            f"/api/v1/cards/{card_id}/checklist", params={"lang": lang}, headers=actors["officer"]
        )
        assert r.status_code == 200, r.text
        return r.json()["stay_limit"]  # type: ignore[no-any-return]

    uzbek = _card(client, actors, entered_on=None)  # visa-free, work: a patent worker
    kazakh = _card(client, actors, entered_on=None, **{"holder.citizenship": "KAZ"})
    patent_en, patent_ru = limit(uzbek["id"], "en"), limit(uzbek["id"], "ru")
    eaeu_en = limit(kazakh["id"], "en")
    assert "90 days in a calendar year" in patent_en["text"] and "patent" in patent_en["text"]
    assert "90 дней" in patent_ru["text"] and "260-FZ" in patent_ru["source"]
    assert "employment contract" in eaeu_en["text"] and "15 days" in eaeu_en["text"]
    assert "EAEU" in eaeu_en["source"] or "Eurasian" in eaeu_en["source"]
    assert patent_en["checked_on"] is None  # read from FACTS.md with no day recorded


def test_a_regime_without_its_stay_limit_is_refused(tmp_path: Path) -> None:
    import shutil

    policy_dir = tmp_path / "policy"
    shutil.copytree(Path(policies.DEFAULT_DIR), policy_dir)
    regimes = policy_dir / "regimes.yaml"
    text = regimes.read_text(encoding="utf-8")
    regimes.write_text(text.replace("\n  student:\n    text:", "\n  pupil:\n    text:"), "utf-8")
    with pytest.raises(policies.PolicyError) as err:
        policies.load(policy_dir)
    assert "stay_limits" in str(err.value) and "student" in str(err.value)
