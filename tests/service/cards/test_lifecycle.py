"""A card's life over the HTTP API: create, entry, extend, exit, revoke, and what is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from service.core import clock
from tests.factories import card_payload

PROBLEM = "application/problem+json"


def _create(client, actors, **overrides):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/cards", json=card_payload(**overrides), headers=actors["admin"])
    assert r.status_code == 201, r.text
    return r.json()


def test_create_returns_pending_card_with_every_field(client, actors, fixed_clock) -> None:
    body = card_payload(visa_number="123456789")
    r = client.post("/api/v1/cards", json=body, headers=actors["cards:write"])
    assert r.status_code == 201, r.text
    card = r.json()
    assert r.headers["location"] == f"/api/v1/cards/{card['id']}"
    assert card["status"] == "pending_entry"
    assert len(card["number"]) == 11 and card["number"][5] == "-"
    holder = card["holder"]
    assert holder["surname_latin"] == "KARIMOV" and holder["given_names_latin"] == "SHUKHRAT"
    assert holder["document"]["number"] == body["holder"]["document"]["number"]
    assert card["planned_stay"] == body["planned_stay"]
    assert card["stay_until"] == body["planned_stay"]["until"]
    assert card["host"] == body["host"] and card["region"] == "RU-MOW"
    assert card["purpose"] == "work" and card["visa_number"] == "123456789"
    assert card["entry"] is None and card["exit"] is None
    again = client.get(f"/api/v1/cards/{card['id']}", headers=actors["cards:read"]).json()
    assert again == card


def test_given_latin_form_is_kept(client, actors) -> None:
    card = _create(
        client, actors, **{"holder.surname_latin": "Karimov", "holder.given_names_latin": "Shuhrat"}
    )
    assert card["holder"]["given_names_latin"] == "SHUHRAT"


def test_full_lifecycle_writes_events(client, actors, fixed_clock) -> None:
    card = _create(client, actors)
    cid = card["id"]
    r = client.post(
        f"/api/v1/cards/{cid}/entry",
        json={"crossing_point": "Moscow SVO"},
        headers=actors["border"],
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active"
    assert r.json()["entry"] == {"on": clock.today().isoformat(), "crossing_point": "Moscow SVO"}

    new_until = (clock.today() + timedelta(days=200)).isoformat()
    r = client.post(
        f"/api/v1/cards/{cid}/extend",
        json={"stay_until": new_until, "basis": "patent 77 123456"},
        headers=actors["cards:write"],
    )
    assert r.status_code == 200, r.text
    assert r.json()["stay_until"] == new_until and r.json()["status"] == "active"

    fixed_clock.advance(days=3)
    r = client.post(
        f"/api/v1/cards/{cid}/exit", json={"crossing_point": "Moscow SVO"}, headers=actors["border"]
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"

    events = client.get(f"/api/v1/cards/{cid}/events", headers=actors["officer"]).json()["items"]
    assert [e["kind"] for e in events] == ["created", "entry", "extended", "exit"]
    assert events[2]["reason"] == "patent 77 123456"
    assert all(e["actor"].startswith(("user:", "api_key:")) for e in events)
    assert events[0]["at"].endswith("Z") or "+00:00" in events[0]["at"]


@pytest.mark.parametrize(
    ("setup", "action", "body", "who"),
    [
        ([], "exit", {"crossing_point": "SVO"}, "border"),
        (["entry"], "entry", {"crossing_point": "SVO"}, "border"),
        ([], "extend", {"stay_until": "2030-01-01", "basis": "patent"}, "admin"),
        (["entry", "exit"], "revoke", {"reason": "fraud detected"}, "admin"),
        (["entry", "exit"], "extend", {"stay_until": "2030-01-01", "basis": "patent"}, "admin"),
        (["revoke"], "entry", {"crossing_point": "SVO"}, "border"),
        (["revoke"], "revoke", {"reason": "again and again"}, "admin"),
    ],
)
def test_illegal_transition_is_409_problem(
    client, actors, fixed_clock, setup, action, body, who
) -> None:
    cid = _create(client, actors)["id"]
    steps = {
        "entry": {"crossing_point": "SVO"},
        "exit": {"crossing_point": "SVO"},
        "revoke": {"reason": "administrative decision"},
    }
    for step in setup:
        hdr = actors["admin"]
        assert (
            client.post(f"/api/v1/cards/{cid}/{step}", json=steps[step], headers=hdr).status_code
            == 200
        )
    before = client.get(f"/api/v1/cards/{cid}/events", headers=actors["admin"]).json()["items"]
    r = client.post(f"/api/v1/cards/{cid}/{action}", json=body, headers=actors[who])
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["status"] == 409 and problem["type"].endswith("/illegal-transition")
    assert problem["card_status"] in problem["detail"]
    after = client.get(f"/api/v1/cards/{cid}/events", headers=actors["admin"]).json()["items"]
    assert after == before


def test_expired_is_derived_from_dates_and_holder_can_still_exit(
    client, actors, fixed_clock
) -> None:
    card = _create(client, actors)
    cid = card["id"]
    client.post(
        f"/api/v1/cards/{cid}/entry", json={"crossing_point": "SVO"}, headers=actors["border"]
    )
    fixed_clock.advance(days=91)
    assert (
        client.get(f"/api/v1/cards/{cid}", headers=actors["officer"]).json()["status"] == "expired"
    )
    listed = client.get(
        "/api/v1/cards", params={"status": "expired"}, headers=actors["cards:read"]
    ).json()
    assert [c["id"] for c in listed["items"]] == [cid]
    assert (
        client.get(
            "/api/v1/cards", params={"status": "active"}, headers=actors["cards:read"]
        ).json()["items"]
        == []
    )
    r = client.post(
        f"/api/v1/cards/{cid}/extend",
        json={"stay_until": "2031-01-01", "basis": "late"},
        headers=actors["admin"],
    )
    assert r.status_code == 409
    r = client.post(
        f"/api/v1/cards/{cid}/exit", json={"crossing_point": "SVO"}, headers=actors["border"]
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"
    exit_event = client.get(f"/api/v1/cards/{cid}/events", headers=actors["admin"]).json()["items"][
        -1
    ]
    assert exit_event["data"]["overstay"] is True


def test_extension_must_move_the_date_forward(client, actors, fixed_clock) -> None:
    card = _create(client, actors)
    client.post(
        f"/api/v1/cards/{card['id']}/entry",
        json={"crossing_point": "SVO"},
        headers=actors["border"],
    )
    r = client.post(
        f"/api/v1/cards/{card['id']}/extend",
        json={"stay_until": card["stay_until"], "basis": "patent"},
        headers=actors["admin"],
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "stay_until"


def test_entry_date_cannot_be_in_the_future(client, actors, fixed_clock) -> None:
    cid = _create(client, actors)["id"]
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    r = client.post(
        f"/api/v1/cards/{cid}/entry",
        json={"crossing_point": "SVO", "entered_on": tomorrow},
        headers=actors["border"],
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "entered_on"


def test_revoke_needs_reason_and_admin(client, actors) -> None:
    cid = _create(client, actors)["id"]
    assert (
        client.post(f"/api/v1/cards/{cid}/revoke", json={}, headers=actors["admin"]).status_code
        == 422
    )
    r = client.post(
        f"/api/v1/cards/{cid}/revoke", json={"reason": "forged passport"}, headers=actors["border"]
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/v1/cards/{cid}/revoke", json={"reason": "forged passport"}, headers=actors["admin"]
    )
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert r.json()["revoked_reason"] == "forged passport"
    events = client.get(f"/api/v1/cards/{cid}/events", headers=actors["admin"]).json()["items"]
    assert events[-1]["kind"] == "revoked" and events[-1]["reason"] == "forged passport"


def test_events_are_append_only_in_the_database(client, actors, engine) -> None:
    cid = _create(client, actors)["id"]
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE card_event SET reason = 'tampered'"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM card_event"))
    events = client.get(f"/api/v1/cards/{cid}/events", headers=actors["admin"]).json()["items"]
    assert len(events) == 1 and events[0]["reason"] is None


def test_unknown_card_is_404_problem(client, actors) -> None:
    r = client.get("/api/v1/cards/01a2027d-08e2-7ba5-9eca-577cbbea47e2", headers=actors["officer"])
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    r = client.post(
        "/api/v1/cards/01a2027d-08e2-7ba5-9eca-577cbbea47e2/entry",
        json={"crossing_point": "SVO"},
        headers=actors["border"],
    )
    assert r.status_code == 404


def test_a_host_not_known_yet_is_stored_as_unknown(client, actors) -> None:
    body = card_payload()
    body["host"] = {"kind": "organisation"}
    r = client.post("/api/v1/cards", json=body, headers=actors["cards:write"])
    assert r.status_code == 201, r.text
    assert r.json()["host"] == {"kind": "organisation", "name": None, "address": None}
    # Known but empty is still refused: unknown is said by leaving it out.
    body = card_payload(**{"host.name": " "})
    r = client.post("/api/v1/cards", json=body, headers=actors["cards:write"])
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)
