"""Creation repeats an attempt that a unique index refused (a card-number collision, the same
document registered at that moment), in the same transaction, on both databases."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from service.cards import numbers
from service.cards import service as cards
from service.cards.models import Card, CardCreate, CardEvent, Person, RevokeIn
from service.core.db import transaction
from service.core.errors import Conflict
from service.webhooks.models import OutboxEvent
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


def _waiting_on_a_lock(engine: Engine) -> bool:
    """PostgreSQL: whether another session of this database waits on a lock (the twin)."""
    with engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).scalar_one()
    return bool(found)


@pytest.mark.parametrize("first_commits", [True, False])
def test_a_twin_waiting_on_the_same_new_holder(engine: Engine, first_commits: bool) -> None:
    """Two identical creations at once: the second waits for the first (PostgreSQL on the
    holder's unique index, SQLite on the write lock); when the first commits the second is
    refused as the holder's second open card, when it rolls back the second creates it.
    Either way one holder, one card, one event and one outbox row."""
    data = CardCreate.model_validate(card_payload(**{"holder.document.number": "ZZ3000001"}))
    outcome: dict[str, Any] = {}

    def twin() -> None:
        try:
            with transaction(engine) as session:
                outcome["card"] = cards.issue_card(session=session, data=data, actor="twin")[0]
        except Conflict as error:
            outcome["refused"] = error

    thread = threading.Thread(target=twin)
    with contextlib.suppress(_RolledBack), transaction(engine) as session:
        first, _ = cards.issue_card(session=session, data=data, actor="first")
        thread.start()
        deadline = time.monotonic() + 10
        while engine.dialect.name == "postgresql" and not _waiting_on_a_lock(engine):
            assert time.monotonic() < deadline, "the twin never waited for the first creation"
            time.sleep(0.02)
        time.sleep(0.1)
        assert not outcome  # still waiting
        if not first_commits:
            raise _RolledBack
    thread.join(10)
    if first_commits:
        assert isinstance(outcome.get("refused"), Conflict), outcome
        assert outcome["refused"].extra["reason"] == "open-card-exists"
    else:
        assert outcome["card"].id != first.id
    counts = [_count(engine, m) for m in (Person, Card, CardEvent, OutboxEvent)]
    assert counts == [1, 1, 1, 1]


class _RolledBack(Exception):
    pass
