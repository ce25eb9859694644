"""Listing, filters, pagination, idempotency, holders reused by document, card numbers."""

from __future__ import annotations

import random

from sqlmodel import func, select

from service.cards import numbers
from service.cards.models import Card, IdempotencyRecord, Person
from tests.factories import card_payload, consented_bot


def _post(client, headers, body, **extra_headers):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/cards", json=body, headers={**headers, **extra_headers})


def test_filters_and_cursor_pagination(client, actors, fixed_clock) -> None:
    bots = {n: consented_bot(client, actors, n) for n in (42, 7)}
    created = [_post(client, bots[42 if i % 2 else 7], card_payload()).json() for i in range(5)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/cards", params=params, headers=actors["cards:read"]).json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [c["id"] for c in created] and pages == 3

    mine = client.get("/api/v1/cards", headers=actors.bot_for(42)).json()
    assert [c["id"] for c in mine["items"]] == [created[1]["id"], created[3]["id"]]

    target = created[2]
    for typed in (target["number"], target["number"].replace("-", "").lower()):
        found = client.get(
            "/api/v1/cards", params={"number": typed}, headers=actors["officer"]
        ).json()
        assert [c["id"] for c in found["items"]] == [target["id"]]
    doc = target["holder"]["document"]["number"]
    found = client.get(
        "/api/v1/cards", params={"document_number": doc.lower()}, headers=actors["officer"]
    ).json()
    assert [c["id"] for c in found["items"]] == [target["id"]]


def test_mistyped_number_is_caught_by_check_symbol(client, actors) -> None:
    number = _post(client, actors["admin"], card_payload()).json()["number"].replace("-", "")
    wrong = ("1" if number[3] != "1" else "2").join([number[:3], number[4:]])
    r = client.get("/api/v1/cards", params={"number": wrong}, headers=actors["officer"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "number"


def test_bad_cursor_is_422(client, actors) -> None:
    r = client.get("/api/v1/cards", params={"cursor": "!!!"}, headers=actors["officer"])
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"


def test_idempotency_key_replays_and_refuses_other_body(client, actors, session) -> None:
    body = card_payload()
    first = _post(client, actors["cards:write"], body, **{"Idempotency-Key": "req-1"})
    again = _post(client, actors["cards:write"], body, **{"Idempotency-Key": "req-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    other = _post(client, actors["cards:write"], card_payload(), **{"Idempotency-Key": "req-1"})
    assert other.status_code == 422 and other.json()["type"].endswith("/idempotency-key-reused")
    # Another caller's key space is separate.
    third = _post(client, actors["admin"], card_payload(), **{"Idempotency-Key": "req-1"})
    assert third.status_code == 201
    assert session.exec(select(func.count()).select_from(Card)).one() == 2
    assert session.exec(select(func.count()).select_from(IdempotencyRecord)).one() == 2


def test_same_document_reuses_holder_and_refuses_second_open_card(
    client, actors, fixed_clock
) -> None:
    body = card_payload()
    first = _post(client, actors["admin"], body).json()
    second = _post(client, actors["admin"], body)
    assert second.status_code == 409 and second.json()["reason"] == "open-card-exists"
    client.post(
        f"/api/v1/cards/{first['id']}/revoke",
        json={"reason": "entered by mistake"},
        headers=actors["admin"],
    )
    third = _post(client, actors["admin"], body)
    assert third.status_code == 201 and third.json()["person_id"] == first["person_id"]


def test_document_of_another_holder_is_409(client, actors, session) -> None:
    body = card_payload()
    _post(client, actors["admin"], body)
    other = card_payload(**{"holder.date_of_birth": "1985-01-01"})
    other["holder"]["document"] = body["holder"]["document"]
    r = _post(client, actors["admin"], other)
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "holder.document.number"
    assert session.exec(select(func.count()).select_from(Person)).one() == 1


def test_card_number_check_symbol_catches_single_errors_and_swaps() -> None:
    for _ in range(200):
        n = numbers.generate()
        assert numbers.normalize(numbers.display(n)) == n
        for i in range(len(n)):
            for ch in numbers.ALPHABET:
                if ch != n[i]:
                    assert numbers.normalize(n[:i] + ch + n[i + 1 :]) is None
    swaps = caught = 0
    for _ in range(500):
        n = numbers.generate()
        for i in range(len(n) - 1):
            if n[i] != n[i + 1]:
                swaps += 1
                caught += numbers.normalize(n[:i] + n[i + 1] + n[i] + n[i + 2 :]) is None
    assert caught / swaps > 0.99


def test_card_numbers_from_the_pair_tables_are_the_symbol_by_symbol_ones() -> None:
    rnd = random.Random(5)
    for bits in [0, 2**45 - 1, *(rnd.getrandbits(45) for _ in range(20_000))]:
        body = "".join(numbers.ALPHABET[(bits >> (5 * i)) & 31] for i in range(9))
        assert numbers._from_bits(bits) == body + numbers._check_symbol(body)


def test_typing_confusable_letters_is_forgiven() -> None:
    n = "0" + numbers.generate()[1:]
    body = n[:-1]
    n = body + numbers._check_symbol(body)
    assert numbers.normalize("o" + n[1:]) == n
