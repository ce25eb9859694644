"""A fold that commits while a statistics query runs (PostgreSQL reads each statement in
its own snapshot): the query must count every card once, not the folded cards twice (once in
the roll-up, once again live after the watermark it read before the fold)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from service.core import clock
from service.core.db import make_engine, one_snapshot, transaction
from service.stats import rollup
from service.stats.labels import Lang
from service.stats.outcomes import OutcomesBy, outcomes
from service.stats.service import MOSCOW, card_stats, monthly_stats
from tests.factories import card_payload


def test_a_fold_committing_during_a_query_counts_no_card_twice(
    client, actors, engine: Engine, fixed_clock
) -> None:
    with transaction(engine) as session:
        rollup.fold(session=session)  # a watermark exists: queries read the roll-up
    fixed_clock.advance(minutes=1)
    for _ in range(12):
        r = client.post(
            "/api/v1/cards", json=card_payload(region="RU-MOW"), headers=actors["admin"]
        )
        assert r.status_code == 201, r.text
    fixed_clock.advance(minutes=1)  # past the fold's margin: the next fold takes all twelve

    folded: list[int] = []

    def fold_in_between(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if (
            not folded
            and "card_stats_daily" in statement
            and statement.lstrip().startswith("SELECT")
        ):
            with transaction(engine) as session:  # another connection, committed now
                folded.append(rollup.fold(session=session))

    event.listen(engine, "before_cursor_execute", fold_in_between)
    try:
        r = client.get("/api/v1/stats/cards", params={"by": "region"}, headers=actors["analyst"])
    finally:
        event.remove(engine, "before_cursor_execute", fold_in_between)
    assert folded == [12]  # the fold ran inside the query
    assert r.status_code == 200, r.text
    assert r.json()["cells"] == [{"key": "RU-MOW", "cards": 10}]  # 12, rounded; not 24
    again = client.get("/api/v1/stats/cards", params={"by": "region"}, headers=actors["analyst"])
    assert again.json()["cells"] == [{"key": "RU-MOW", "cards": 10}]


def test_a_fold_during_a_monthly_query_counts_no_card_twice(
    client, actors, engine: Engine, fixed_clock
) -> None:
    """The monthly answer adds the changes since the last fold to ``stats_monthly``: a fold
    committing between the two reads would count its cards in both. It either completes
    before the query reads or waits for the query to end."""
    with transaction(engine) as session:
        rollup.fold(session=session)
    fixed_clock.advance(minutes=1)
    for _ in range(12):
        r = client.post(
            "/api/v1/cards", json=card_payload(region="RU-MOW"), headers=actors["admin"]
        )
        assert r.status_code == 201, r.text
    fixed_clock.advance(minutes=1)
    month = clock.now().astimezone(MOSCOW).strftime("%Y-%m")

    folded: list[int] = []

    def fold() -> None:
        with transaction(engine) as session:
            folded.append(rollup.fold(session=session))

    started: list[threading.Thread] = []

    def fold_in_between(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not started and "FROM stats_monthly" in statement:
            started.append(threading.Thread(target=fold))
            started[0].start()
            started[0].join(2.0)  # done unless it waits for this query's transaction

    event.listen(engine, "before_cursor_execute", fold_in_between)
    try:
        r = client.get(
            "/api/v1/stats/cards/monthly", params={"by": "region"}, headers=actors["analyst"]
        )
    finally:
        event.remove(engine, "before_cursor_execute", fold_in_between)
    started[0].join(10.0)
    assert folded == [12]
    assert r.status_code == 200, r.text
    cells = {m["month"]: m["issued"] for g in r.json()["groups"] for m in g["months"]}
    assert cells[month] == 10  # 12, rounded; not 24


def test_a_read_only_replica_can_answer_every_statistics_query(  # type: ignore[no-untyped-def]
    app, client, actors, engine: Engine, fixed_clock
) -> None:
    """The queries see one snapshot without taking a lock (a replica refuses FOR SHARE):
    run as a hot standby runs them, every transaction read-only."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a replica is a PostgreSQL standby")
    for _ in range(12):
        made = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"])
        assert made.status_code == 201, made.text
    with transaction(engine) as session:
        rollup.fold(session=session)
    replica = make_engine(engine.url.render_as_string(hide_password=False))

    @event.listens_for(replica, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET default_transaction_read_only = on")
        dbapi_connection.commit()

    today = clock.today()
    disclosure = {"min_cell": 1, "round_base": 1, "lang": Lang.en}
    try:
        with transaction(one_snapshot(replica)) as session:
            # The replica is one indeed:
            with pytest.raises(DBAPIError, match="read-only transaction"), session.begin_nested():
                session.execute(text("CREATE TEMP TABLE probe (id int)"))
            cards = card_stats(session=session, by="region", start=None, end=None,
                               **disclosure)  # fmt: skip
            monthly = monthly_stats(session=session, by="region", start=today,
                                    end=today, **disclosure)  # fmt: skip
            outcomes(session=session, policy=app.state.policy, by=OutcomesBy.course,
                     **disclosure)  # fmt: skip
    finally:
        replica.dispose()
    assert sum(i.count for i in cards.items) == 12
    assert monthly.groups
