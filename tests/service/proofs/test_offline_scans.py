"""POST /api/v1/scans: checks made offline on an officer's device, uploaded later."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from service.proofs.models import ScanEvent
from tests.factories import card_payload


def _item(card: dict, at: str, verdict: str = "valid", **extra: object) -> dict:
    return {
        "client_id": uuid.uuid4().hex,
        "verdict": verdict,
        "checked_at": at,
        "card_number": card["number"].replace("-", ""),
        **extra,
    }


@pytest.fixture
def card(client, actors):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()


def test_offline_checks_are_recorded_once_with_their_times(
    client, actors, card, fixed_clock, session
) -> None:
    now = fixed_clock.current
    items = [
        _item(card, (now - timedelta(hours=3)).isoformat(), "valid", card_serial=card["serial"]),
        _item(card, (now - timedelta(hours=2)).isoformat(), "revoked"),
        _item(
            card,
            (now - timedelta(days=29)).isoformat(),
            "pending_entry",
            revocation_confirmed=False,
        ),
    ]
    r = client.post("/api/v1/scans", json={"items": items}, headers=actors["officer"])
    assert r.status_code == 200, r.text
    assert r.json() == {"recorded": 3, "duplicates": 0}
    # A retried upload (the answer was lost), plus one new check: only the new one is added.
    extra = _item(card, (now - timedelta(minutes=5)).isoformat(), "closed")
    r = client.post("/api/v1/scans", json={"items": [*items, extra]}, headers=actors["officer"])
    assert r.json() == {"recorded": 1, "duplicates": 3}
    # Another officer's device may use the same id: it is that officer's check.
    r = client.post("/api/v1/scans", json={"items": items[:1]}, headers=actors["border"])
    assert r.json() == {"recorded": 1, "duplicates": 0}

    listed = client.get("/api/v1/scans", headers=actors["officer"]).json()["items"]
    assert [
        (s["verdict"], s["offline"], s["card_number"], s["revocation_confirmed"]) for s in listed
    ] == [
        ("closed", True, card["number"], True),
        ("revoked", True, card["number"], True),
        ("valid", True, card["number"], True),
        ("pending_entry", True, card["number"], False),
    ]
    rows = session.exec(select(ScanEvent).where(ScanEvent.actor.startswith("user:"))).all()  # type: ignore[attr-defined]
    assert len(rows) == 5
    assert {r.at for r in rows if r.client_id == items[1]["client_id"]} == {
        now - timedelta(hours=2)
    }
    # An online verification is listed beside them, not offline.
    proof = client.get(f"/api/v1/cards/{card['id']}/proof", headers=actors["admin"])
    assert proof.status_code == 200, proof.text
    payload = {"payload": proof.json()["payload"]}
    assert client.post("/api/v1/verify", json=payload, headers=actors["officer"]).status_code == 200
    first = client.get("/api/v1/scans", headers=actors["officer"]).json()["items"][0]
    assert (first["verdict"], first["offline"], first["revocation_confirmed"]) == (
        "pending_entry",
        False,
        None,
    )


def test_same_id_twice_in_one_batch_is_one_check(client, actors, card, fixed_clock) -> None:
    item = _item(card, fixed_clock.current.isoformat())
    r = client.post("/api/v1/scans", json={"items": [item, item]}, headers=actors["officer"])
    assert r.json() == {"recorded": 1, "duplicates": 1}


def test_unknown_card_is_recorded_without_a_card(client, actors, card, fixed_clock) -> None:
    at = fixed_clock.current.isoformat()
    item = _item(card, at, card_serial=999_999)
    forged = {"client_id": uuid.uuid4().hex, "verdict": "invalid", "checked_at": at}
    r = client.post("/api/v1/scans", json={"items": [item, forged]}, headers=actors["officer"])
    assert r.json() == {"recorded": 2, "duplicates": 0}
    listed = client.get("/api/v1/scans", headers=actors["officer"]).json()["items"]
    assert [(s["verdict"], s["card_number"], s["offline"]) for s in listed] == [
        ("invalid", None, True),
        ("valid", None, True),
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"checked_at": "+1h"}, "items.0.checked_at"),
        ({"checked_at": "-31d"}, "items.0.checked_at"),
        ({"verdict": "great"}, "items.0.verdict"),
        ({"client_id": "short"}, "items.0.client_id"),
        ({"client_id": "has spaces in it"}, "items.0.client_id"),
        ({"card_number": "ABCDEFGHIJ"}, "items.0.card_number"),
        ({"name_latin": "KARIMOV SHUKHRAT"}, "items.0.name_latin"),
        ({"card_number": None}, "items.0"),
    ],
)
def test_bad_items_are_refused_whole(client, actors, card, fixed_clock, change, field) -> None:
    now = fixed_clock.current
    good = _item(card, now.isoformat())
    bad = _item(card, now.isoformat())
    for key, value in change.items():
        if key == "checked_at":
            delta = timedelta(hours=1) if value == "+1h" else -timedelta(days=31)
            bad[key] = (now + delta).isoformat()
        elif value is None:
            del bad[key]
        else:
            bad[key] = value
    r = client.post("/api/v1/scans", json={"items": [bad, good]}, headers=actors["officer"])
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"].startswith(field) for e in r.json()["errors"]), r.json()
    assert client.get("/api/v1/scans", headers=actors["officer"]).json()["items"] == []


def test_batch_size_and_roles(client, actors, card, fixed_clock) -> None:
    at = fixed_clock.current.isoformat()
    too_many = [_item(card, at) for _ in range(501)]
    r = client.post("/api/v1/scans", json={"items": too_many}, headers=actors["officer"])
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    r = client.post("/api/v1/scans", json={"items": []}, headers=actors["officer"])
    assert r.status_code == 422
    r = client.post("/api/v1/scans", json={"items": too_many[:500]}, headers=actors["officer"])
    assert r.json() == {"recorded": 500, "duplicates": 0}
    item = {"items": [_item(card, at)]}
    assert client.post("/api/v1/scans", json=item, headers=actors["analyst"]).status_code == 403
    assert client.post("/api/v1/scans", json=item).status_code == 401
    assert client.post("/api/v1/scans", json=item, headers=actors["admin"]).status_code == 200
    assert client.post("/api/v1/scans", content=b"[", headers=actors["officer"]).status_code in (
        400,
        422,
    )
