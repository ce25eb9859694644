"""Every JSON request body is an ``Input``: unknown fields and text that is not Unicode (a
lone surrogate, JSON "\\ud800", which neither database can store) are 422s naming the field,
on every route, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import params
from pydantic import BaseModel

from service.api.access_table import _api_routes
from service.core.bodies import Input
from tests.factories import card_payload

PROBLEM = "application/problem+json"
LONE = "\ud800"  # json.dumps writes it as the escape "\ud800", as a client would send it


def test_every_json_body_is_an_input(app) -> None:  # type: ignore[no-untyped-def]
    bodies = {}
    for route in _api_routes(app.routes):
        field = route.body_field
        if field is None or isinstance(field.field_info, params.Form):
            continue  # no body, or a form (the sign-in): its text is decoded as UTF-8
        model = field.field_info.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel), route.path
        bodies[f"{sorted(route.methods)} {route.path}"] = issubclass(model, Input)
    assert len(bodies) >= 15, bodies  # the routes were found
    assert [name for name, ok in bodies.items() if not ok] == []


def _post(client: Any, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(
        path,
        content=json.dumps(body).encode(),
        headers={**headers, "Content-Type": "application/json"},
    )


def _card(client: Any, actors: Any) -> str:
    made = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"])
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


# (path, body, field, caller); "{card}" and "{person}" are filled in with a new card's.
_CASES = [
    ("/api/v1/api-keys", {"name": "Ministry " + LONE, "scopes": ["cards:read"]}, "name", "admin"),
    (
        "/api/v1/users",
        {"username": "someone", "password": "long enough words" + LONE, "role": "officer"},
        "password",
        "admin",
    ),
    ("/api/v1/webhooks", {"url": "https://a.example/" + LONE, "events": []}, "url", "cards:read"),
    ("/api/v1/reference/latin", {"name": "Иван" + LONE}, "name", "admin"),
    (
        "/api/v1/cards/{card}/permits",
        {"kind": "patent", "issued_on": "2026-03-20", "paid_until": "2026-05-19", "number": LONE},
        "number",
        "admin",
    ),
    ("/api/v1/cards", card_payload(**{"host.name": "ООО " + LONE}), "host.name", "admin"),
    ("/api/v1/cards", card_payload(occupation=LONE + "x"), "occupation", "admin"),
]


@pytest.mark.parametrize(("path", "body", "field", "caller"), _CASES)
def test_a_lone_surrogate_is_422_naming_the_field(
    client, actors, path, body, field, caller
) -> None:  # type: ignore[no-untyped-def]
    if "{card}" in path:
        path = path.format(card=_card(client, actors))
    r = _post(client, path, body, actors[caller])
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in r.json()["errors"]], r.json()


def test_a_surrogate_pair_is_one_character_and_welcome(client, actors) -> None:  # type: ignore[no-untyped-def]
    r = _post(
        client, "/api/v1/api-keys", {"name": "Key 😀", "scopes": ["cards:read"]}, actors["admin"]
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Key 😀"


def test_a_course_answer_with_an_unknown_field_is_refused(client, actors) -> None:  # type: ignore[no-untyped-def]
    made = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"])
    person = made.json()["person_id"]
    path = f"/api/v1/persons/{person}/course/modules/arriving-legally/attempts"
    r = _post(client, path, {"answers": [0], "answer": [1]}, actors["admin"])
    assert r.status_code == 422, r.text
    assert "answer" in [e["field"] for e in r.json()["errors"]]
