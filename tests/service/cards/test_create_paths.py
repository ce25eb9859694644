"""``POST /cards`` reads a plain JSON request itself and leaves every other request to
FastAPI's handler (``service.cards.routes._CreateRoute``). Both must answer alike: each
request here is sent as ``application/json`` (the route's own path) and as
``application/json; charset=utf-8`` (FastAPI's), and the answers compared."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import func, select

from service.cards.models import Card
from service.cards.routes import _CreateRoute, router
from tests.factories import card_payload, consented_bot

PLAIN = "application/json"
VIA_FASTAPI = "application/json; charset=utf-8"
# What differs between two creations: their own ids, numbers, document and times.
_OWN = {"id", "number", "serial", "person_id", "created_at", "updated_at"}


def _post(client: Any, content_type: str, body: Any, headers: dict[str, str]) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        "/api/v1/cards", content=raw, headers={**headers, "Content-Type": content_type}
    )


def _comparable(answer: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in answer.items() if k not in _OWN | {"instance", "request_id"}}
    if isinstance(kept.get("holder"), dict):
        kept["holder"] = {**kept["holder"], "document": None}
    return kept


def test_the_route_reads_plain_requests_itself() -> None:
    routes = [r for r in router.routes if getattr(r, "path", "") == "/api/v1/cards"]
    assert [type(r) for r in routes if "POST" in getattr(r, "methods", ())] == [_CreateRoute]


def test_a_creation_is_answered_alike(client, actors, session) -> None:
    answers = [
        _post(client, content_type, card_payload(), actors["cards:write"])
        for content_type in (PLAIN, VIA_FASTAPI)
    ]
    for r in answers:
        assert r.status_code == 201, r.text
        assert r.headers["content-type"] == "application/json"
        assert r.headers["location"] == f"/api/v1/cards/{r.json()['id']}"
    fast, standard = (r.json() for r in answers)
    assert _comparable(fast) == _comparable(standard)
    assert list(fast) == list(standard)  # the same fields, in the same order
    assert session.exec(select(func.count()).select_from(Card)).one() == 2


def test_a_bot_creation_is_answered_alike(client, actors) -> None:
    headers = consented_bot(client, actors, 555_000_001)
    first = _post(client, PLAIN, card_payload(telegram_user_id=555_000_001), headers)
    assert first.status_code == 201, first.text
    assert first.json()["telegram_user_id"] == 555_000_001
    # The holder now has an open card: the second is refused the same way on either path.
    again = card_payload(**{"holder.document.number": first.json()["holder"]["document"]["number"]})
    answers = [_post(client, ct, again, headers) for ct in (PLAIN, VIA_FASTAPI)]
    assert [r.status_code for r in answers] == [409, 409]
    assert _comparable(answers[0].json()) == _comparable(answers[1].json())


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (card_payload(**{"holder.document.number": "12"}), "cards:write", 422),
        (card_payload(**{"planned_stay.from": "1900-01-01"}), "cards:write", 422),
        (card_payload(unexpected=1), "cards:write", 422),
        # A lone surrogate (JSON "\ud800") is no text either database can store.
        (card_payload(**{"host.name": "ООО \ud800"}), "cards:write", 422),
        (card_payload(**{"host.address": "\udfff"}), "cards:write", 422),
        (card_payload(occupation="builder \ud83d"), "cards:write", 422),
        ([1, 2], "cards:write", 422),
        (b'{"holder": ', "cards:write", 422),
        (b"", "cards:write", 422),
        (card_payload(), None, 401),
        (card_payload(), "stats:read", 403),
        (card_payload(telegram_user_id=5), "cards:write", 403),
    ],
)
def test_a_refusal_is_answered_alike(client, actors, session, body, headers, status) -> None:
    sent = actors[headers] if headers else {}
    answers = [_post(client, ct, body, sent) for ct in (PLAIN, VIA_FASTAPI)]
    assert [r.status_code for r in answers] == [status, status], answers[0].text
    assert answers[0].headers["content-type"] == "application/problem+json"
    assert _comparable(answers[0].json()) == _comparable(answers[1].json())
    assert session.exec(select(func.count()).select_from(Card)).one() == 0


def test_a_bad_acting_user_header_is_answered_alike(client, actors) -> None:
    headers = {**actors["bot"], "X-Telegram-User-Id": "not-a-number"}
    answers = [_post(client, ct, card_payload(), headers) for ct in (PLAIN, VIA_FASTAPI)]
    assert [r.status_code for r in answers] == [422, 422]
    assert _comparable(answers[0].json()) == _comparable(answers[1].json())
