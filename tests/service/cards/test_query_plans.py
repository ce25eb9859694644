"""PostgreSQL plans of the registry's lookups and cursor pages: no sequential scan of card or
person once the tables hold enough rows for the planner to care.

On a table of a few pages a sequential scan *is* the cheapest plan and PostgreSQL rightly
takes it, so the test first adds 20,000 holders and cards (one INSERT ... SELECT each) and
runs ANALYZE; it does not switch enable_seqscan off, which would hide a missing index. The
statements are the ones the service itself sends, captured while it runs, and explained with
their own parameters.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.cards import service as cards
from service.cards.models import Status
from service.proofs import service as proofs
from tests.factories import card_payload, consented_bot

ROWS = 20_000


@contextmanager
def _captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", grab)


def _seq_scans(plan: Any) -> list[str]:
    found = []
    if isinstance(plan, dict):
        if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in ("card", "person"):
            found.append(plan["Relation Name"])
        for value in plan.values():
            found += _seq_scans(value)
    elif isinstance(plan, list):
        for item in plan:
            found += _seq_scans(item)
    return found


def _indexes(plan: Any) -> set[str]:
    found = set()
    if isinstance(plan, dict):
        if "Index Name" in plan:
            found.add(plan["Index Name"])
        for value in plan.values():
            found |= _indexes(value)
    elif isinstance(plan, list):
        for item in plan:
            found |= _indexes(item)
    return found


# The partial indexes (migration 0022) and the lookups that must still reach them.
_PARTIAL = {"telegram user": "ix_card_telegram_user_id", "expired": "ix_card_stay_until"}


def test_lookups_and_pages_use_indexes(db_url, engine, client, actors) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("plans are checked on PostgreSQL")
    made = client.post(
        "/api/v1/cards",
        json=card_payload(telegram_user_id=777_000_001),
        headers=consented_bot(client, actors, 777_000_001),
    ).json()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO person (id, surname, citizenship, document_type, document_number, "
                "language, created_at) SELECT gen_random_uuid(), 'X', 'UZB', 'passport', "
                "'QA' || lpad(i::text, 8, '0'), 'ru', now() FROM generate_series(1, :n) i"
            ),
            {"n": ROWS},
        )
        conn.execute(
            text(
                "INSERT INTO card (id, number, serial, person_id, status, purpose, planned_from, "
                "planned_until, stay_until, region, telegram_user_id, created_at, updated_at, "
                "created_by) SELECT gen_random_uuid(), upper(substr(md5(p.document_number), 1, "
                "10)), 1000000 + row_number() OVER (), p.id, 'active', 'work', current_date, "
                "current_date + 90, current_date + 90, 'RU-MOW', 900000000 + row_number() OVER (),"
                " now(), now(), 'test' FROM person p WHERE p.document_number LIKE 'QA%'"
            )
        )
        conn.execute(text("ANALYZE card"))
        conn.execute(text("ANALYZE person"))
    card_id = uuid.UUID(made["id"])
    document = made["holder"]["document"]["number"]
    with Session(engine) as session:
        first, cursor = cards.list_cards(
            session=session, filters=cards.CardFilter(), cursor=None, limit=50
        )
        assert cursor is not None
        calls = {
            "number": lambda: cards.list_cards(
                session=session,
                filters=cards.CardFilter(number=made["number"]),
                cursor=None,
                limit=50,
            ),
            "document": lambda: cards.list_cards(
                session=session,
                filters=cards.CardFilter(document_number=document),
                cursor=None,
                limit=50,
            ),
            "telegram user": lambda: cards.list_cards(
                session=session,
                filters=cards.CardFilter(telegram_user_id=777_000_001),
                cursor=None,
                limit=50,
            ),
            "expired": lambda: cards.list_cards(
                session=session,
                filters=cards.CardFilter(status=Status.expired),
                cursor=None,
                limit=50,
            ),
            "cursor page": lambda: cards.list_cards(
                session=session, filters=cards.CardFilter(), cursor=cursor, limit=50
            ),
            "id": lambda: cards.get_card(session=session, card_id=card_id),
            "holder": lambda: cards.get_person(session=session, person_id=first[0][1].id),
            "typed number": lambda: proofs.verify_number(session=session, number=made["number"]),
        }
        bad = {}
        used: dict[str, set[str]] = {}
        for name, call in calls.items():
            session.expunge_all()
            with _captured(engine) as statements:
                call()
            assert statements, name
            for statement, parameters in statements:
                plan = (
                    session.connection()
                    .exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)
                    .scalar_one()
                )
                if scans := _seq_scans(plan):
                    bad[name] = (scans, statement)
                used.setdefault(name, set()).update(_indexes(plan))
    assert bad == {}
    assert {name: index for name, index in _PARTIAL.items() if index not in used[name]} == {}
    # The check itself sees a sequential scan where no index can serve (host_name has none).
    with Session(engine) as session:
        control = session.execute(
            text("EXPLAIN (FORMAT JSON) SELECT id FROM card WHERE host_name = 'x'")
        ).scalar_one()
    assert _seq_scans(control) == ["card"]
