"""The monthly and outcome roll-ups (service/stats/cube.py) give the same figures as counting
every card from scratch: on random cards and changes (entries, exits, extensions,
revocations, obligations reported done, course completions, erasure, days passing), before
and after each fold, on both databases."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from service.checklist import policy as policies
from service.core import clock
from service.core.config import get_settings
from service.core.db import transaction
from service.course import content
from service.stats import cube, rollup
from tests.factories import attempt, card_payload, right_answers
from tests.harness import cli_env, onboard_cli

REGIONS = ("RU-MOW", "RU-SVE", "RU-TA")
CITIZENSHIPS = ("UZB", "TJK", "KGZ")
OCCUPATIONS = ("builder", "Driver", None)
PURPOSES = ("work", "study", "private")


@pytest.fixture
def policy() -> policies.Policy:
    return policies.load(get_settings().policy_dir or policies.DEFAULT_DIR)


def _nonzero(counter: Counter[Any]) -> dict[Any, int]:
    return {k: n for k, n in counter.items() if n}


def _tables(session: Session) -> tuple[dict[Any, int], dict[Any, int]]:
    """The roll-up tables plus the changes since the last fold, as true counts."""
    months: Counter[Any] = Counter()
    outcomes: Counter[Any] = Counter()
    policy = policies.load()
    delta = cube.pending(session, policy, clock.today())
    if delta is None:  # never folded: the tables are empty and every card is pending
        delta = cube.from_scratch(session, policy, clock.today())
    rows = session.execute(
        text(
            "SELECT measure, month, region, citizenship, purpose, occupation, cards "
            "FROM stats_monthly"
        )
    )
    for *key, n in rows.all():
        months[tuple(key)] += int(n)
    for *key, n in session.execute(
        text(
            "SELECT kind, item, citizenship, region, occupation, took, outcome, n "
            "FROM stats_outcome"
        )
    ).all():
        key[5] = bool(key[5])
        outcomes[tuple(key)] += int(n)
    months.update(delta.months)
    outcomes.update(delta.outcomes)
    return _nonzero(months), _nonzero(outcomes)


def _live_months(session: Session) -> dict[Any, int]:
    """Issued and arrivals per Moscow month and grouping, counted with SQL on the card table
    (independent of cube.py's facts)."""
    pg = session.get_bind().dialect.name == "postgresql"
    issued = (
        "to_char(card.created_at AT TIME ZONE 'Europe/Moscow', 'YYYY-MM')"
        if pg
        else "strftime('%Y-%m', card.created_at, '+3 hours')"
    )
    entered = "to_char(card.entered_on, 'YYYY-MM')" if pg else "strftime('%Y-%m', entered_on)"
    out: Counter[Any] = Counter()
    for measure, month in (("issued", issued), ("arrivals", entered)):
        rows = session.execute(
            text(
                f"SELECT {month}, region, citizenship, purpose, "  # noqa: S608
                "lower(coalesce(occupation, '(not given)')), count(*) FROM card "
                "JOIN person ON person.id = card.person_id "
                f"WHERE {month} IS NOT NULL GROUP BY 1, 2, 3, 4, 5"
            )
        )
        for m, *dims, n in rows.all():
            out[(measure, m, *dims)] += int(n)
    return _nonzero(out)


def _check(engine, policy: policies.Policy) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        months, outcomes = _tables(session)
        scratch = cube.from_scratch(session, policy, clock.today())
        assert months == _nonzero(scratch.months) == _live_months(session)
        assert outcomes == _nonzero(scratch.outcomes)


def _fold(engine, policy: policies.Policy, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    fixed_clock.advance(seconds=11)  # past the fold's margin
    with transaction(engine) as session:
        rollup.fold(session=session, policy=policy)


def _post(client, actors, path: str, body: dict[str, Any] | None = None) -> bool:  # type: ignore[no-untyped-def]
    """True when done; False when the card's status no longer allows it (an expired stay)."""
    r = client.post(path, json=body, headers=actors["admin"])
    assert r.status_code in (200, 201, 409), r.text
    return r.status_code != 409


def _random_change(client, actors, rnd: random.Random, card: dict[str, Any], course) -> None:  # type: ignore[no-untyped-def]
    cid = card["id"]
    if card["state"] == "pending" and rnd.random() < 0.7:
        action = "entry"
    else:
        action = rnd.choice(("exit", "extend", "extend", "revoke", "done", "done", "course"))
    if action == "entry" and card["state"] == "pending":
        if _post(client, actors, f"/api/v1/cards/{cid}/entry", {"crossing_point": "Внуково"}):
            card["state"] = "in"
    elif action == "exit" and card["state"] == "in":
        if _post(client, actors, f"/api/v1/cards/{cid}/exit", {"crossing_point": "Внуково"}):
            card["state"] = "out"
    elif action == "extend" and card["state"] == "in":
        until = (clock.today() + timedelta(days=rnd.randint(45, 60))).isoformat()
        _post(client, actors, f"/api/v1/cards/{cid}/extend", {"stay_until": until, "basis": "x"})
    elif action == "revoke" and card["state"] in ("pending", "in"):
        if _post(client, actors, f"/api/v1/cards/{cid}/revoke", {"reason": "ошибка в данных"}):
            card["state"] = "revoked"
    elif action == "done" and card["state"] == "in":
        done_on = (clock.today() - timedelta(days=rnd.randint(0, 12))).isoformat()
        body = {"evidence": "талон", "done_on": done_on}
        r = client.post(
            f"/api/v1/cards/{cid}/checklist/migration-registration/done",
            json=body, headers=actors["admin"],
        )  # fmt: skip
        assert r.status_code in (200, 201, 409, 422), r.text
    elif action == "course" and not card.get("course"):
        for module in course.modules:
            r = attempt(client, actors["cards:write"], card["person_id"], module.slug,
                        right_answers(module))  # fmt: skip
            assert r.status_code in (200, 201), r.text
        card["course"] = True


def test_rollups_equal_a_count_from_scratch(client, actors, engine, fixed_clock, policy) -> None:  # type: ignore[no-untyped-def]
    rnd = random.Random(17)
    course = content.get_course(get_settings().content_dir)
    cards: list[dict[str, Any]] = []
    for step in range(8):
        for _ in range(6):
            payload = card_payload(
                **{
                    "holder.citizenship": rnd.choice(CITIZENSHIPS),
                    "region": rnd.choice(REGIONS),
                    "occupation": rnd.choice(OCCUPATIONS),
                    "purpose": rnd.choice(PURPOSES),
                    "planned_stay.until": (
                        clock.today() + timedelta(rnd.randint(3, 40))
                    ).isoformat(),
                }
            )
            r = client.post("/api/v1/cards", json=payload, headers=actors["admin"])
            assert r.status_code == 201, r.text
            cards.append(r.json() | {"state": "pending"})
        for card in rnd.sample(cards, min(len(cards), 16)):
            _random_change(client, actors, rnd, card, course)
        if step == 5:
            r = client.post(
                f"/api/v1/persons/{cards[0]['person_id']}/erase", headers=actors["admin"]
            )
            assert r.status_code == 200, r.text
        _check(engine, policy)  # before the fold: tables plus the pending changes
        if step % 2 == 0:
            _fold(engine, policy, fixed_clock)
            _check(engine, policy)
        fixed_clock.advance(days=rnd.choice((3, 9, 17)))  # stays end, obligations fall due
        _check(engine, policy)
    _fold(engine, policy, fixed_clock)
    _check(engine, policy)
    with Session(engine) as session:
        assert cube.pending(session, policy, clock.today()) is not None


def test_api_answers_do_not_change_with_a_fold(client, actors, engine, fixed_clock, policy) -> None:  # type: ignore[no-untyped-def]
    for region, n in (("RU-SVE", 12), ("RU-TA", 4), ("RU-MOW", 23)):
        for _ in range(n):
            r = client.post(
                "/api/v1/cards", json=card_payload(region=region, occupation="Builder"),
                headers=actors["admin"],
            )  # fmt: skip
            assert r.status_code == 201
            _post(client, actors, f"/api/v1/cards/{r.json()['id']}/entry", {"crossing_point": "x"})
        fixed_clock.advance(days=33)
    queries = [
        ("/api/v1/stats/cards/monthly", {"by": by} | extra)
        for by in ("region", "citizenship", "purpose", "occupation")
        for extra in ({}, {"region": "RU-SVE"}, {"occupation": "BUILDER", "citizenship": "UZB"})
    ] + [
        ("/api/v1/stats/outcomes", {"by": by} | extra)
        for by in ("course", "citizenship", "region")
        for extra in ({}, {"occupation": "BUILDER", "citizenship": "UZB"})
    ]

    def answers() -> list[Any]:
        out = []
        for path, params in queries:
            r = client.get(path, params=params, headers=actors["analyst"])
            assert r.status_code == 200, r.text
            out.append({k: v for k, v in r.json().items() if k != "as_of"})
        return out

    before = answers()
    assert any(g["groups"] for g in before[:12])
    _fold(engine, policy, fixed_clock)
    with Session(engine) as session:
        assert session.execute(text("SELECT count(*) FROM stats_card")).scalar() == 39
    assert answers() == before


def test_cli_fold_and_rebuild(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`onboard stats fold` builds the roll-ups the first time; `onboard stats rebuild` again."""

    env = cli_env(ONBOARD_DATA_DIR=str(tmp_path))

    def onboard(*args: str) -> str:
        r = onboard_cli(*args, env=env)
        assert r.returncode == 0, r.stderr
        return r.stderr

    assert onboard("db", "upgrade")
    assert "cards added" in onboard("stats", "fold")
    assert "rebuilt from 0 cards" in onboard("stats", "rebuild")


def test_migration_0020_refills_the_outcome_rollup_from_the_stored_facts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Occupation joins the outcome roll-up's keys: upgrading an existing database sums the
    facts every folded card left in ``stats_card`` (as the folds had), and so does going
    back down to the old keys."""
    import uuid

    from alembic import command

    from service.core.db import make_engine
    from service.core.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path}/m.db"
    upgrade(url, "0018")
    rnd = random.Random(20)
    tokens = [c + t for c in "mlx" for t in "01"]
    rows = [
        {
            "card_id": uuid.uuid4().hex, "issued": "2026-05", "region": rnd.choice(REGIONS),
            "citizenship": rnd.choice(CITIZENSHIPS),
            "occupation": rnd.choice(("builder", "driver", rollup.NOT_GIVEN)),
            "outcome": rnd.choice((None, "exit_on_time", "overstayed", "revoked")),
            "took": rnd.random() < 0.4,
            "obligations": ",".join(rnd.choice(tokens) for _ in range(rnd.randint(0, 4))),
        }
        for _ in range(300)
    ]  # fmt: skip
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO stats_card (card_id, issued, region, citizenship, purpose, "
                "occupation, outcome, took, obligations) VALUES (:card_id, :issued, :region, "
                ":citizenship, 'work', :occupation, :outcome, :took, :obligations)"
            ),
            rows,
        )
    upgrade(url, "0020")
    names = {"m": "met_on_time", "l": "late", "x": "missed"}
    counted: Counter[Any] = Counter()
    for r in rows:  # the facts in 0020's shape: no obligation ids
        dims = (r["citizenship"], r["region"], r["occupation"])
        if r["outcome"] is not None:
            counted[("card", *dims, r["took"], r["outcome"])] += 1
        for token in filter(None, r["obligations"].split(",")):
            counted[("obligation", *dims, token[1] == "1", names[token[0]])] += 1
    expected = _nonzero(counted)
    assert sum(expected.values()) > 300
    with Session(engine) as session:
        stored = session.execute(
            text(
                "SELECT kind, citizenship, region, occupation, took, outcome, n FROM stats_outcome"
            )
        ).all()
        assert {(*k[:4], bool(k[4]), k[5]): n for *k, n in stored} == expected
    command.downgrade(alembic_config(url), "0018")
    old: Counter[Any] = Counter()
    for (kind, cit, region, _occupation, took, outcome), n in expected.items():
        old[(kind, cit, region, took, outcome)] += n
    with Session(engine) as session:
        stored = session.execute(
            text("SELECT kind, citizenship, region, took, outcome, n FROM stats_outcome")
        ).all()
        assert {(*k[:3], bool(k[3]), k[4]): n for *k, n in stored} == dict(old)
    engine.dispose()


def test_migration_0021_empties_the_outcome_rollup_for_the_next_fold_to_rebuild(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The stored facts name no obligation, so 0021 cannot refill the roll-up by obligation:
    it empties it, clears the stored obligations and the fold state's policy version (so a
    query counts from scratch and the next fold rebuilds); the monthly facts stay."""
    import uuid

    from alembic import command
    from sqlalchemy import inspect

    from service.core.db import make_engine
    from service.core.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path}/m.db"
    upgrade(url, "0020")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO stats_card (card_id, issued, region, citizenship, purpose, "
                "occupation, outcome, took, obligations) VALUES (:id, '2026-05', 'RU-SVE', "
                "'UZB', 'work', 'builder', 'overstayed', 1, 'm1,x0')"
            ),
            {"id": uuid.uuid4().hex},
        )
        conn.execute(
            text(
                "INSERT INTO stats_outcome (kind, citizenship, region, occupation, took, "
                "outcome, n) VALUES ('obligation', 'UZB', 'RU-SVE', 'builder', 1, "
                "'met_on_time', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO stats_rollup_state (id, events_through, dones_through, "
                "completions_through, policy) VALUES (1, 5, 6, 7, '1')"
            )
        )
    upgrade(url)

    def state() -> tuple[Any, ...]:
        with engine.connect() as conn:
            return (
                conn.execute(text("SELECT count(*) FROM stats_outcome")).scalar(),
                conn.execute(text("SELECT obligations, occupation FROM stats_card")).one(),
                conn.execute(text("SELECT policy, events_through FROM stats_rollup_state")).one(),
            )

    keys = inspect(engine).get_pk_constraint("stats_outcome")["constrained_columns"]
    assert keys[:2] == ["kind", "item"]
    assert state() == (0, ("", "builder"), ("", 5))
    policy = policies.load()
    with Session(engine) as session:
        assert cube.pending(session, policy, clock.today()) is None  # counted from scratch
        assert cube.pending(session, None, clock.today()) is not None  # monthly: as before
    command.downgrade(alembic_config(url), "0020")
    assert "item" not in {c["name"] for c in inspect(engine).get_columns("stats_outcome")}
    assert state() == (0, ("", "builder"), ("", 5))
    engine.dispose()
