"""Bad input gets a problem+json that names the field, and writes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import func, select

from service.cards.models import Card, Person
from service.core import clock
from tests.factories import DELETE, card_payload

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"holder.date_of_birth": "2999-01-01"}, "holder.date_of_birth"),
        ({"holder.date_of_birth": "1850-01-01"}, "holder.date_of_birth"),
        ({"holder.date_of_birth": "1990-02-30"}, "holder.date_of_birth"),
        ({"planned_stay.until": "2000-01-01"}, "planned_stay.until"),
        ({"holder.citizenship": "XYZ"}, "holder.citizenship"),
        ({"holder.citizenship": "RUS"}, "holder.citizenship"),
        ({"holder.citizenship": "UZ"}, "holder.citizenship"),
        ({"region": "RU-XX"}, "region"),
        ({"region": "US-CA"}, "region"),
        ({"holder.document.number": "12"}, "holder.document.number"),
        ({"holder.document.number": "ABCDEFG"}, "holder.document.number"),
        ({"holder.document.number": "FA123<4567"}, "holder.document.number"),
        ({"holder.document.type": "library_card"}, "holder.document.type"),
        ({"holder.surname": "R2D2"}, "holder.surname"),
        ({"holder.surname": "   "}, "holder.surname"),
        ({"holder.surname": "X" * 101}, "holder.surname"),
        ({"holder.surname_latin": "Карим"}, "holder.surname_latin"),
        ({"holder.sex": "X"}, "holder.sex"),
        ({"purpose": "holiday"}, "purpose"),
        ({"host.kind": "alien"}, "host.kind"),
        ({"host.address": "line\u0000break"}, "host.address"),
        ({"telegram_user_id": -5}, "telegram_user_id"),
        ({"telegram_user_id": "abc"}, "telegram_user_id"),
        ({"language": "fr"}, "language"),
        ({"holder.date_of_birth": 19900501}, "holder.date_of_birth"),
        ({"holder": DELETE}, "holder"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_invalid_field_is_named(client, actors, session, overrides, field) -> None:
    r = client.post("/api/v1/cards", json=card_payload(**overrides), headers=actors["admin"])
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["status"] == 422 and problem["type"].endswith("/validation-error")
    assert field in [e["field"] for e in problem["errors"]], problem
    assert "Traceback" not in r.text
    assert session.exec(select(func.count()).select_from(Person)).one() == 0
    assert session.exec(select(func.count()).select_from(Card)).one() == 0


def test_stay_end_before_start(client, actors) -> None:
    body = card_payload(**{"planned_stay.from": "2027-03-01", "planned_stay.until": "2027-02-01"})
    r = client.post("/api/v1/cards", json=body, headers=actors["admin"])
    assert r.status_code == 422
    assert {"field": "planned_stay.until", "reason": "is before planned_stay.from"} in r.json()[
        "errors"
    ]


def test_a_model_level_check_names_its_field(client, actors) -> None:
    """The arrival before the birth is checked on the whole card, and still reported at the
    field to change, so that clients (the bot) map it by field, never by its wording."""
    today = clock.today()
    born, arrived = today - timedelta(days=30), today - timedelta(days=40)
    body = card_payload(
        **{"holder.date_of_birth": born.isoformat(), "planned_stay.from": arrived.isoformat()}
    )
    r = client.post("/api/v1/cards", json=body, headers=actors["admin"])
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    errors = r.json()["errors"]
    assert errors == [{"field": "planned_stay.from", "reason": "is before holder.date_of_birth"}]


def test_name_without_latin_form_needs_one(client, actors) -> None:
    r = client.post(
        "/api/v1/cards", json=card_payload(**{"holder.surname": "王"}), headers=actors["admin"]
    )
    assert r.status_code == 422 and "surname_latin" in r.json()["detail"]
    assert [e["field"] for e in r.json()["errors"]] == ["holder.surname_latin"]
    ok = card_payload(**{"holder.surname": "王", "holder.surname_latin": "WANG"})
    assert client.post("/api/v1/cards", json=ok, headers=actors["admin"]).status_code == 201


def test_malformed_json_and_wrong_types(client, actors) -> None:
    hdr = {**actors["admin"], "Content-Type": "application/json"}
    r = client.post("/api/v1/cards", content=b'{"holder": ', headers=hdr)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    r = client.post("/api/v1/cards", content=b"[1, 2, 3]", headers=hdr)
    assert r.status_code == 422
    r = client.post(
        "/api/v1/cards",
        content=b"plain text",
        headers={**actors["admin"], "Content-Type": "text/plain"},
    )
    assert r.status_code == 422


def test_oversized_body_is_413(client, actors, session) -> None:
    body = card_payload(**{"host.address": "A" * 100_000})
    r = client.post("/api/v1/cards", json=body, headers=actors["admin"])
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
    assert r.json()["type"].endswith("/payload-too-large")
    assert session.exec(select(func.count()).select_from(Card)).one() == 0


def test_oversized_chunked_body_is_413(client, actors) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"holder": "'
        for _ in range(100):
            yield b"A" * 1024
        yield b'"}'

    hdr = {**actors["admin"], "Content-Type": "application/json"}
    r = client.post("/api/v1/cards", content=chunks(), headers=hdr)
    assert r.status_code == 413


def test_unknown_route_and_method_are_problems(client, actors) -> None:
    r = client.get("/api/v1/nothing-here", headers=actors["admin"])
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    r = client.delete("/api/v1/cards", headers=actors["admin"])
    assert r.status_code == 405 and r.headers["content-type"] == PROBLEM


def test_bad_path_id_is_422(client, actors) -> None:
    r = client.get("/api/v1/cards/not-a-uuid", headers=actors["admin"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "card_id"


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("entry", {"crossing_point": "SVO \ud800"}, "crossing_point"),
        ("extend", {"stay_until": "2030-01-01", "basis": "\udc00"}, "basis"),
        ("revoke", {"reason": "fraud \ud83d"}, "reason"),
    ],
)
def test_a_lone_surrogate_in_a_lifecycle_text_is_422(client, actors, action, body, field) -> None:
    """JSON "\\ud800" is no character (neither database stores it): refused, nothing changed."""
    created = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"])
    assert created.status_code == 201, created.text
    card = created.json()
    r = client.post(
        f"/api/v1/cards/{card['id']}/{action}",
        content=json.dumps(body).encode(),  # "\ud800" escaped, as a client would send it
        headers={**actors["admin"], "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in r.json()["errors"]]
    after = client.get(f"/api/v1/cards/{card['id']}", headers=actors["admin"]).json()
    assert after == card
