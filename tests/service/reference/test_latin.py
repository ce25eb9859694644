"""POST /api/v1/reference/latin: the Latin form a card would print, before it is sent."""

from __future__ import annotations

import pytest

from tests.factories import DELETE, card_payload


@pytest.mark.parametrize(
    ("name", "latin"),
    [
        ("Каримов", "KARIMOV"),
        ("Тошматова Дильноза", "TOSHMATOVA DILNOZA"),
        ("Oʻrinboyev", "ORINBOYEV"),
        ("Ҷӯраев", "JURAEV"),
        ("王", None),  # no Latin form here: the card needs it typed
    ],
)
def test_the_preview_is_the_form_the_card_prints(client, actors, name, latin) -> None:
    r = client.post("/api/v1/reference/latin", json={"name": name}, headers=actors["cards:write"])
    assert r.status_code == 200, r.text
    assert r.json() == {"name_latin": latin}
    if latin is None:
        return
    body = card_payload(**{"holder.surname": name, "holder.given_names": DELETE})
    card = client.post("/api/v1/cards", json=body, headers=actors["admin"])
    assert card.status_code == 201, card.text
    assert card.json()["holder"]["surname_latin"] == latin


def test_bad_names_and_callers_are_refused(client, actors) -> None:
    url = "/api/v1/reference/latin"
    assert client.post(url, json={"name": ""}, headers=actors["admin"]).status_code == 422
    assert client.post(url, json={"name": "x" * 101}, headers=actors["admin"]).status_code == 422
    assert client.post(url, json={"name": "A", "x": 1}, headers=actors["admin"]).status_code == 422
    assert client.post(url, json={"name": "Каримов"}).status_code == 401
    refused = client.post(url, json={"name": "Каримов"}, headers=actors["stats:read"])
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
