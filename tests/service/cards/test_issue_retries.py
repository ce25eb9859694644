"""Creation repeats an attempt that a unique index refused (a card-number collision, the same
document registered at that moment), in the same transaction, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from service.cards import numbers
from service.cards import service as cards
from service.cards.models import Card, CardCreate, Person, RevokeIn
from service.core.db import transaction
from tests.factories import card_payload


def _count(engine: Engine, model: Any) -> int:
    with transaction(engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _issue(engine: Engine, document: str) -> Card:
    data = CardCreate.model_validate(card_payload(**{"holder.document.number": document}))
    with transaction(engine) as session:
        card, _ = cards.issue_card(session=session, data=data, actor="test")
    return card


def test_a_card_number_collision_draws_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _issue(engine, "ZZ1000001")
    real = numbers.generate
    draws = iter([first.number])  # the first draw is the number already issued
    monkeypatch.setattr(numbers, "generate", lambda: next(draws, None) or real())
    second = _issue(engine, "ZZ1000002")
    assert second.number != first.number and second.serial != first.serial
    assert _count(engine, Card) == 2 and _count(engine, Person) == 2


def test_a_holder_registered_meanwhile_is_found_on_the_next_attempt(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _issue(engine, "ZZ2000001")
    with transaction(engine) as session:
        # The first card is closed (revoked), so the holder may have another.
        cards.revoke_card(
            session=session, card_id=first.id, data=RevokeIn(reason="issued in error"),
            actor="test",
        )  # fmt: skip
    real = cards._find_holder
    calls = {"n": 0}

    def blind_once(**kwargs: Any) -> Person | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else real(**kwargs)  # as if another request won

    monkeypatch.setattr(cards, "_find_holder", blind_once)
    second = _issue(engine, "ZZ2000001")
    assert calls["n"] == 2 and second.person_id == first.person_id
    assert _count(engine, Person) == 1 and _count(engine, Card) == 2
