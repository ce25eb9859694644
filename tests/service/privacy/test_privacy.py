"""Export and erasure: nothing personal left anywhere, the audit trail as long as before."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from tests.factories import card_payload


def _everything(engine) -> str:  # type: ignore[no-untyped-def]
    """Every row of every table, as text."""
    chunks = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            chunks += [repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{table}"'))]
    return "\n".join(chunks)


def _counts(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT count(*) FROM card_event")).scalar_one(),
            conn.execute(text("SELECT count(*) FROM scan_event")).scalar_one(),
        )


def test_export_then_erase(client, actors, engine, app) -> None:
    body = card_payload(
        **{
            "holder.surname": "Тошматов",
            "holder.given_names": "Баходир",
            "holder.date_of_birth": "1987-03-14",
            "host.name": "Иванова Мария Петровна",
            "host.address": "Казань, ул. Баумана, 7",
            "occupation": "plasterer",
            "visa_number": "VZ123456",
        }
    )
    card = client.post(
        "/api/v1/cards",
        json=body,
        headers=actors["admin"],
        params={},
    ).json()
    cid = card["id"]
    client.post(
        f"/api/v1/cards/{cid}/entry", json={"crossing_point": "SVO"}, headers=actors["border"]
    )
    client.post(
        f"/api/v1/cards/{cid}/extend",
        json={"stay_until": "2099-01-01", "basis": "patent of Тошматов 77 No 991234"},
        headers=actors["admin"],
    )
    client.post(
        f"/api/v1/cards/{cid}/checklist/migration-registration/done",
        json={"evidence": "slip for Тошматов"},
        headers=actors["cards:write"],
    )
    payload = client.get(f"/api/v1/cards/{cid}/proof", headers=actors["cards:write"]).json()[
        "payload"
    ]
    client.post("/api/v1/verify", json={"payload": payload}, headers=actors["officer"])
    client.post(
        "/api/v1/cards",
        json=card_payload(),
        headers={**actors["cards:write"], "Idempotency-Key": "k1"},
    )
    client.post(
        "/api/v1/cards",
        json=body | {"purpose": "study"},
        headers={**actors["cards:write"], "Idempotency-Key": "k2"},
    )  # 409: open card
    app.state.scans.flush()

    exported = client.get(f"/api/v1/persons/{card['person_id']}/export", headers=actors["admin"])
    assert exported.status_code == 200
    data = exported.json()
    assert data["person"]["holder"]["surname"] == "Тошматов"
    assert [e["kind"] for e in data["events"]] == ["created", "entry", "extended"]
    assert data["checklist"][0]["evidence"] == "slip for Тошматов"
    assert data["verifications"][0]["verdict"] == "valid"
    assert (
        client.get(
            f"/api/v1/persons/{card['person_id']}/export", headers=actors["officer"]
        ).status_code
        == 403
    )

    before = _counts(engine)
    r = client.post(f"/api/v1/persons/{card['person_id']}/erase", headers=actors["admin"])
    assert r.status_code == 200, r.text
    assert _counts(engine) == before
    dump = _everything(engine)
    for personal in (
        "Тошматов",
        "TOSHMATOV",
        "Баходир",
        "BAKHODIR",
        body["holder"]["document"]["number"],
        "Иванова",
        "Баумана",
        "VZ123456",
        "991234",
        "1987-03-14",
        "plasterer",
    ):
        assert personal not in dump, personal
    assert (
        client.post(
            f"/api/v1/persons/{card['person_id']}/erase", headers=actors["admin"]
        ).status_code
        == 409
    )
    proof = client.get(f"/api/v1/cards/{cid}/proof", headers=actors["cards:write"])
    assert proof.status_code == 409 and proof.json()["reason"] == "holder-erased"
    # The erased card still verifies as a card (the audit trail), without the person.
    assert (
        client.get(f"/api/v1/cards/{cid}/events", headers=actors["admin"]).json()["items"][2][
            "reason"
        ]
        == "[erased]"
    )


def test_events_still_refuse_other_changes(client, actors, engine) -> None:
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    client.post(
        f"/api/v1/cards/{card['id']}/revoke",
        json={"reason": "forged documents"},
        headers=actors["admin"],
    )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE card_event SET kind = 'entry' WHERE reason IS NOT NULL"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE card_event SET reason = 'rewritten'"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE card_event SET reason = '[erased]', actor = 'someone else'"))
