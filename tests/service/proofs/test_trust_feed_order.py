"""The change feed and events committed out of id order (PostgreSQL: ids come from a
sequence, so a transaction can hold id N uncommitted while N+1 commits). A process that
reads every card at that moment (a worker starting, or the periodic full reload) must
still apply event N when it commits, within a poll, not at the next full reload."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.cards.models import Card, CardEvent
from service.proofs import statuslist
from service.proofs.live import LiveCards
from tests.factories import card_payload


def _hold_revocation(engine: Engine, card_id: str) -> Session:
    """A transaction that revoked the card and wrote its event (an id taken), not committed."""
    held = Session(engine)
    card = held.get(Card, uuid.UUID(card_id))
    assert card is not None
    card.status = "revoked"
    held.add(card)
    held.add(CardEvent(card_id=card.id, kind="revoke", actor="test", reason="forged"))
    held.flush()
    return held


def _commit_later_event(engine: Engine, card_id: str) -> None:
    with Session(engine) as other:
        other.add(CardEvent(card_id=uuid.UUID(card_id), kind="note", actor="test"))
        other.commit()


def _two_cards(client, actors) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    return tuple(  # type: ignore[return-value]
        client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
        for _ in range(2)
    )


@pytest.mark.parametrize("moment", ["start", "full reload"])
def test_an_event_committed_after_a_later_id_is_applied(
    client, actors, engine: Engine, db_url: str, moment: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: events commit in id order")
    first, second = _two_cards(client, actors)
    live = LiveCards(engine)
    if moment == "full reload":
        live.load()
    held = _hold_revocation(engine, first["id"])
    try:
        _commit_later_event(engine, second["id"])
        if moment == "full reload":
            live.sync()  # sees the later id: the held one is a gap...
        live.load()  # ...and the full reload (or the start) happens while it is held
        assert live.card(first["serial"]).status == "pending_entry"  # type: ignore[union-attr]
        held.commit()
    finally:
        held.close()
    live.sync()
    try:
        assert live.card(first["serial"]).status == "revoked"  # type: ignore[union-attr]
    finally:
        live.close()


def test_a_large_held_transaction_is_applied_after_a_later_commit(
    client, actors, engine: Engine, db_url: str
) -> None:
    """An archive import batch (5,000 cards, one transaction; two batches are written at once
    on PostgreSQL) holds thousands of event ids while a later id commits: every one of them
    is a gap, not only the first thousand."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: events commit in id order")
    first, second = _two_cards(client, actors)
    live = LiveCards(engine)
    live.load()
    held = Session(engine)
    try:
        held.add_all(
            CardEvent(card_id=uuid.UUID(second["id"]), kind="note", actor="test")
            for _ in range(1500)
        )
        held.flush()
        card = held.get(Card, uuid.UUID(first["id"]))
        assert card is not None
        card.status = "revoked"
        held.add(card)
        held.add(CardEvent(card_id=card.id, kind="revoke", actor="test", reason="forged"))
        held.flush()
        _commit_later_event(engine, second["id"])
        live.sync()
        held.commit()
    finally:
        held.close()
    live.sync()
    try:
        assert live.card(first["serial"]).status == "revoked"  # type: ignore[union-attr]
    finally:
        live.close()


def test_a_full_reload_never_shows_a_card_missing_or_a_revocation_undone(
    client, actors, engine: Engine
) -> None:
    """The periodic full reload reads every card (seconds for a million) while requests are
    answered from the same memory: they see the cards as before until it is done."""
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    r = client.post(
        f"/api/v1/cards/{card['id']}/revoke", json={"reason": "forged"}, headers=actors["admin"]
    )
    assert r.status_code == 200, r.text
    live = LiveCards(engine)
    live.load()
    seen: list[tuple[object, object]] = []

    def look_while_reading(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "card.stay_until" in statement and "card_event" not in statement:
            found = live.card(card["serial"])  # what a request answered meanwhile sees
            bits = statuslist.get_status(live.bits(), card["serial"])
            seen.append((found.status if found else None, bits))

    event.listen(engine, "before_cursor_execute", look_while_reading)
    try:
        live.load()
    finally:
        event.remove(engine, "before_cursor_execute", look_while_reading)
        live.close()
    assert seen == [("revoked", statuslist.REVOKED)]
