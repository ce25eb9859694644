"""Archive import: 10,000 paper records with 50 bad ones; a re-run adds nothing."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from sqlalchemy import text

from bench.archive import write_csv
from service.archive import importer
from tests.factories import card_payload, consented_bot
from tests.harness import cli_env, onboard_cli


def _count(engine, table: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_ten_thousand_rows_fifty_bad_and_rerun(engine, tmp_path: Path, settings, db_url) -> None:
    path = tmp_path / "archive.csv"
    bad_lines = write_csv(path, 10_000, bad=50)
    env = cli_env(ONBOARD_DATA_DIR=str(settings.data_dir), ONBOARD_DATABASE_URL=db_url)
    run = onboard_cli("import", "cards", str(path), env=env, timeout=300)
    assert run.returncode == 1, run.stderr  # 1: some rows were bad
    assert "10000 rows: 9950 imported, 0 imported before, 50 bad" in run.stdout
    assert "100%" in run.stderr and "Traceback" not in run.stderr
    with (tmp_path / "archive.report.csv").open() as fh:
        report = list(csv.DictReader(fh))
    assert len(report) == 50
    assert sorted(int(r["line"]) for r in report) == sorted(bad_lines)
    reasons = " | ".join(r["reason"] for r in report)
    for expected in (
        "date_of_birth: is in the future",
        "citizenship: is not an ISO 3166-1",
        "region: is not an ISO 3166-2:RU",
        "number: must be 5-20",
        "planned_until",
        "exited_on is before entered_on",
        "purpose",
        "do not need a migration card",
        "sex",
        "archive_id repeats line",
    ):
        assert expected in reasons, expected
    assert _count(engine, "card") == 9950 and _count(engine, "archive_import") == 9950
    assert _count(engine, "card_event") == 9950
    with engine.connect() as conn:
        serials = conn.execute(
            text("SELECT count(DISTINCT serial), count(DISTINCT number) FROM card")
        ).one()
    assert tuple(serials) == (9950, 9950)

    again = importer.import_file(engine=engine, path=path)
    assert again.imported == 0 and again.already_imported == 9950 and len(again.bad) == 50
    assert _count(engine, "card") == 9950


def test_imported_cards_behave_like_any_other(client, actors, engine, tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    write_csv(path, 3)
    with path.open() as fh:
        rows = list(csv.reader(fh))
    rows[2][rows[0].index("exited_on")] = ""  # still in Russia
    rows[2][rows[0].index("planned_until")] = "2099-01-01"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    result = importer.import_file(engine=engine, path=path)
    assert result.imported == 3 and not result.bad
    active = client.get(
        "/api/v1/cards", params={"status": "active"}, headers=actors["cards:read"]
    ).json()["items"]
    assert len(active) == 1 and active[0]["entry"]["on"] == "2021-03-02"
    closed = client.get(
        "/api/v1/cards", params={"status": "closed"}, headers=actors["cards:read"]
    ).json()["items"]
    assert len(closed) == 2
    events = client.get(
        f"/api/v1/cards/{active[0]['id']}/events", headers=actors["officer"]
    ).json()["items"]
    assert (
        events[0]["data"]["source"] == "paper archive" and events[0]["actor"] == "import:small.csv"
    )
    assert (
        client.post(
            f"/api/v1/cards/{active[0]['id']}/exit",
            json={"crossing_point": "SVO"},
            headers=actors["border"],
        ).json()["status"]
        == "closed"
    )


def test_wrong_columns_are_refused(engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("archive_id,name\n1,x\n")
    import pytest

    with pytest.raises(importer.ImportFileError, match="columns missing"):
        importer.import_file(engine=engine, path=path)


def test_unreadable_files_exit_2_with_a_reason(tmp_path: Path, settings, db_url) -> None:
    """Not UTF-8, a field swallowing the rest of the file, no file: a message, not a traceback."""
    good = tmp_path / "good.csv"
    write_csv(good, 2)
    header, first, second = good.read_text(encoding="utf-8").splitlines()
    cases = {
        "cp1251.csv": (header + "\n" + first + "\n").encode("cp1251"),
        "open-quote.csv": (header + "\n" + second.replace("builder", '"' + "x" * 200_000)).encode(),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARD_")}
    env.update(ONBOARD_DATA_DIR=str(settings.data_dir), ONBOARD_DATABASE_URL=db_url)
    expected = {
        "cp1251.csv": "is not UTF-8 text",
        "open-quote.csv": "field larger than field limit",
        "missing.csv": "no file",
    }
    for name, reason in expected.items():
        if name in cases:
            (tmp_path / name).write_bytes(cases[name])
        run = onboard_cli("import", "cards", str(tmp_path / name), env=env)
        assert run.returncode == 2, (name, run.stderr)
        assert reason in run.stderr and "Traceback" not in run.stderr, (name, run.stderr)


def test_a_quote_left_open_is_one_bad_row_naming_its_lines(engine, tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    write_csv(path, 6)
    lines = path.read_text(encoding="utf-8").splitlines()
    # Line 4 opens a quote that the next quoted field (the host address on line 5) closes.
    lines[3] = lines[3].replace("builder", '"builder')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = importer.import_file(engine=engine, path=path)
    assert result.imported == 4
    assert [(line, reason) for line, _, reason in result.bad] == [
        (4, "a field runs from line 4 to line 5; a quote left open?")
    ]


def _holder_rows(path: Path, changes: list[dict[str, str]]) -> None:
    write_csv(path, len(changes))
    with path.open() as fh:
        rows = list(csv.reader(fh))
    for row, change in zip(rows[1:], changes, strict=True):
        row[rows[0].index("document_number")] = "FA7777777"
        for name, value in change.items():
            row[rows[0].index(name)] = value
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)


def test_holder_rules_within_a_batch_and_across_batches(engine, tmp_path: Path) -> None:
    """The registry's holder rules: one person per document (names without case), another
    person's document refused, at most one open card; a later row sees the earlier rows."""
    path = tmp_path / "holders.csv"
    _holder_rows(path, [
        {},  # closed card: registers the holder
        {"surname": "КАРИМОВ", "exited_on": "", "planned_until": "2099-01-01"},  # open
        {"entered_on": "", "exited_on": "", "planned_until": "2099-01-01"},  # a second open card
        {"entered_on": "", "exited_on": ""},  # pending, but its stay has ended: not open
        {"date_of_birth": "1991-05-01"},  # someone else with this document
    ])  # fmt: skip
    for batch_size in (1000, 1):
        result = importer.import_file(engine=engine, path=path, batch_size=batch_size)
        if batch_size == 1:  # the re-run, a row a batch: nothing new, the same bad rows
            assert result.imported == 0 and result.already_imported == 3
        else:
            assert result.imported == 3
        assert [(line, reason) for line, _, reason in result.bad] == [
            (4, "the holder already has an open card"),
            (6, "document is registered to another holder"),
        ]
    assert _count(engine, "person") == 1 and _count(engine, "card") == 3
    with engine.connect() as conn:
        events = conn.execute(
            text(
                "SELECT e.data FROM card_event e JOIN card c ON c.id = e.card_id ORDER BY c.serial"
            )
        ).scalars()
        data = [e if isinstance(e, dict) else json.loads(e) for e in events]
    assert [sorted(d) for d in data] == [
        ["archive_id", "entered_on", "exited_on", "source"],
        ["archive_id", "entered_on", "source"],
        ["archive_id", "source"],
    ]
    assert data[0]["exited_on"] == "2021-05-20" and data[1]["source"] == "paper archive"

    later = tmp_path / "later.csv"
    pending = {"entered_on": "", "exited_on": "", "planned_until": "2099-01-01"}
    _holder_rows(later, [{"archive_id": "LATER 1", **pending}])
    result = importer.import_file(engine=engine, path=later, batch_size=1)
    assert [reason for _, _, reason in result.bad] == ["the holder already has an open card"]


def _one_file(path: Path, rows: list[dict[str, str]]) -> None:
    """A file of ``len(rows)`` records, each record changed as its dict says."""
    write_csv(path, len(rows))
    with path.open() as fh:
        lines = list(csv.reader(fh))
    for line, change in zip(lines[1:], rows, strict=True):
        for name, value in change.items():
            line[lines[0].index(name)] = value
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(lines)


def _outcome(result: importer.ImportResult) -> list[tuple[int, str]]:
    return [(line, reason) for line, _, reason in result.bad]


def test_holders_repeated_within_and_across_batches(engine, tmp_path: Path) -> None:
    """Two holders on several rows each, between rows of their own, cut into batches of 1000,
    3 and 1 rows: the same rows refused with the same reasons, one person per document, and
    a re-run that adds nothing and reports the same."""
    opened = {"exited_on": "", "planned_until": "2099-01-01"}
    pending = {"entered_on": "", "exited_on": "", "planned_until": "2099-01-01"}
    for size in (1000, 3, 1):
        a, b = {"document_number": f"FA{size:07d}"}, {"document_number": f"FB{size:07d}"}
        rows = [
            a,  # line 2: closed, registers A
            {**b, **pending},  # 3: registers B with an open card
            {},  # 4: a holder of its own
            {**a, "surname": "КАРИМОВ", "given_names": "шухрат"},  # 5: A, names without case
            {**a, **opened},  # 6: A's open card
            {**b, "sex": "F"},  # 7: another holder with B's document
            {**a, **pending},  # 8: A's second open card
            {**b},  # 9: B, closed
            {**a, "date_of_birth": "1991-05-01", **opened},  # 10: another holder, A's document
            {**a},  # 11: A, closed
        ]
        rows = [{"archive_id": f"H{size} {i}", **r} for i, r in enumerate(rows)]
        rows[2]["document_number"] = f"FC{size:07d}"
        path = tmp_path / f"holders-{size}.csv"
        _one_file(path, rows)
        expected = [
            (7, "document is registered to another holder"),
            (8, "the holder already has an open card"),
            (10, "document is registered to another holder"),
        ]
        first = importer.import_file(engine=engine, path=path, batch_size=size)
        assert (first.imported, _outcome(first)) == (7, expected), size
        again = importer.import_file(engine=engine, path=path, batch_size=size)
        assert (again.imported, again.already_imported, _outcome(again)) == (0, 7, expected)
    with engine.connect() as conn:
        people = conn.execute(
            text(
                "SELECT p.document_number, p.surname, count(c.id), "
                "count(c.id) FILTER (WHERE c.status IN ('pending_entry', 'active')) "
                "FROM person p JOIN card c ON c.person_id = p.id "
                "GROUP BY p.document_number, p.surname ORDER BY 1"
            )
        ).all()
    # Per batch size: A with four cards (one open), B with two (one open), C with one.
    assert [tuple(p)[1:] for p in people] == (
        [("Каримов", 4, 1)] * 3 + [("Каримов", 2, 1)] * 3 + [("Каримов", 1, 0)] * 3
    )
    assert [p[0][:2] for p in people] == ["FA", "FA", "FA", "FB", "FB", "FB", "FC", "FC", "FC"]


def test_holders_registered_before_the_import(client, actors, engine, tmp_path: Path) -> None:
    """A holder registered through the API with an open card: the file's closed cards join
    them, an open one is refused, other personal data with their document is refused; a
    later file re-using a document that an earlier file registered is linked, not doubled."""
    made = client.post(
        "/api/v1/cards",
        json=card_payload(telegram_user_id=5551),
        headers=consented_bot(client, actors, 5551),
    )
    assert made.status_code == 201, made.text
    document = {"document_number": made.json()["holder"]["document"]["number"]}
    path = tmp_path / "registered.csv"
    _one_file(path, [
        {**document, "archive_id": "R 1"},  # closed: joins the holder
        {**document, "archive_id": "R 2", "entered_on": "", "exited_on": "",
         "planned_until": "2099-01-01"},  # open
        {**document, "archive_id": "R 3", "sex": "F"},  # another holder
        {"archive_id": "R 4", "document_number": "FD0000001"},  # registers D
    ])  # fmt: skip
    result = importer.import_file(engine=engine, path=path)
    assert result.imported == 2 and _outcome(result) == [
        (3, "the holder already has an open card"),
        (4, "document is registered to another holder"),
    ]
    # The rows imported before come first in this file, so a row of the same holder after
    # them is decided against the registered person.
    longer = tmp_path / "longer.csv"
    _one_file(longer, [
        {"archive_id": "R 4", "document_number": "FD0000001"},
        {"archive_id": "R 5", "document_number": "FD0000001"},
        {"archive_id": "R 6", "document_number": "FD0000001", "given_names": "Бахтиёр"},
    ])  # fmt: skip
    result = importer.import_file(engine=engine, path=longer, batch_size=2)
    assert (result.imported, result.already_imported) == (1, 1)
    assert _outcome(result) == [(4, "document is registered to another holder")]
    with engine.connect() as conn:
        holders = conn.execute(
            text(
                "SELECT p.document_number, count(*) FROM card c JOIN person p ON p.id = c.person_id"
                " GROUP BY p.document_number ORDER BY 1"
            )
        ).all()
    assert sorted(tuple(h) for h in holders) == sorted(
        [(document["document_number"], 2), ("FD0000001", 2)]
    )


def test_serials_follow_the_file_across_batches(engine, tmp_path: Path) -> None:
    """Batches written at once (two on PostgreSQL) still give the cards serials in the file's
    order, and a batch sharing a document with the batch before is decided after it: a
    holder registered earlier gets one open card, the second is refused."""
    earlier = tmp_path / "earlier.csv"
    _one_file(earlier, [{"archive_id": "S pre", "document_number": "FS0000001"}])  # closed
    assert importer.import_file(engine=engine, path=earlier).imported == 1
    rows: list[dict[str, str]] = [{} for _ in range(40)]
    for i in (21, 24):  # lines 23 and 26: the ends of two neighbouring batches of 4
        rows[i] = {"document_number": "FS0000001", "entered_on": "", "exited_on": "",
                   "planned_until": "2099-01-01"}  # fmt: skip
    path = tmp_path / "order.csv"
    _one_file(path, [{"archive_id": f"S {i:02d}", **r} for i, r in enumerate(rows)])
    result = importer.import_file(engine=engine, path=path, batch_size=4)
    assert result.imported == 39
    assert _outcome(result) == [(26, "the holder already has an open card")]
    with engine.connect() as conn:
        order = conn.execute(
            text(
                "SELECT a.archive_id FROM card c JOIN archive_import a ON a.card_id = c.id "
                "ORDER BY c.serial"
            )
        ).scalars()
        assert list(order) == ["S pre"] + [f"S {i:02d}" for i in range(40) if i != 24]
    assert _count(engine, "person") == 39


def test_the_created_event_quotes_the_archive_id(engine, tmp_path: Path) -> None:
    """The event's JSON is put together by the server (PostgreSQL): an archive id with quotes
    and a backslash comes back as it was, beside the paper record's dates."""
    path = tmp_path / "quoted.csv"
    _one_file(path, [{"archive_id": 'Q "1" \\ x'}, {"archive_id": "Q 2", "exited_on": ""}])
    assert importer.import_file(engine=engine, path=path).imported == 2
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT a.archive_id, e.data FROM card_event e "
                "JOIN archive_import a ON a.card_id = e.card_id ORDER BY a.archive_id"
            )
        ).all()
    data = {a: d if isinstance(d, dict) else json.loads(d) for a, d in found}
    assert data == {
        'Q "1" \\ x': {
            "source": "paper archive", "archive_id": 'Q "1" \\ x',
            "entered_on": "2021-03-02", "exited_on": "2021-05-20",
        },
        "Q 2": {"source": "paper archive", "archive_id": "Q 2", "entered_on": "2021-03-02"},
    }  # fmt: skip


def test_a_row_with_more_values_than_columns_is_a_bad_row(engine, tmp_path: Path) -> None:
    """A comma left unquoted inside a field gives the row a value too many: the values after
    the header's last column were dropped without a word and the row imported (both
    databases). It is a bad row now; an empty value past the end (a trailing comma) is not."""
    path = tmp_path / "extra.csv"
    write_csv(path, 3)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",Sheremetyevo"  # the exit point "Moscow SVO, Sheremetyevo" left unquoted
    lines[3] += ","
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = importer.import_file(engine=engine, path=path)
    assert result.bad == [(3, "4612 0000001", "the row has 24 values, the header 23 columns")]
    assert result.imported == 2 and _count(engine, "card") == 2


def test_a_column_named_twice_in_the_header_is_refused(engine, tmp_path: Path) -> None:
    """Two columns of one name (``region`` pasted twice): the first column's values were
    dropped without a word and every row imported with the second's. The file is refused."""
    import pytest

    path = tmp_path / "twice.csv"
    write_csv(path, 2)
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    for row in rows:
        row.insert(0, "region" if row is rows[0] else "RU-SPE")
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(importer.ImportFileError, match=r"repeated \['region'\]"):
        importer.import_file(engine=engine, path=path)
    assert _count(engine, "card") == 0


def test_an_open_card_issued_while_the_import_runs_is_seen(engine, tmp_path: Path) -> None:
    """PostgreSQL: a registered holder with no open card; the API issues them one (holder row
    locked, not yet committed) while a file brings another open card of theirs. The import
    read "no open card" without waiting for that lock, and the holder ended with two open
    cards. It now locks the registered holders it found and looks again: the row is refused.
    (SQLite: the writers are serialised, nothing to race.)"""
    import threading
    import time

    from service.cards import service as cards
    from service.cards.models import CardCreate, RevokeIn
    from service.core.db import transaction
    from tests.factories import card_payload

    data = CardCreate.model_validate(card_payload(**{"holder.document.number": "FL0000001"}))
    with transaction(engine) as session:
        first, _ = cards.issue_card(session=session, data=data, actor="test")
    with transaction(engine) as session:
        cards.revoke_card(
            session=session, card_id=first.id, data=RevokeIn(reason="issued by mistake"),
            actor="test",
        )  # fmt: skip
    h = data.holder
    path = tmp_path / "race.csv"
    _one_file(path, [{
        "archive_id": "L 1", "surname": h.surname, "given_names": h.given_names or "",
        "date_of_birth": h.date_of_birth.isoformat(), "sex": h.sex.value,
        "citizenship": h.citizenship, "document_type": h.document.type.value,
        "document_number": h.document.number, "exited_on": "", "planned_until": "2099-01-01",
    }])  # fmt: skip
    outcome: dict[str, importer.ImportResult] = {}
    thread = threading.Thread(
        target=lambda: outcome.update(result=importer.import_file(engine=engine, path=path))
    )
    with transaction(engine) as session:
        cards.issue_card(session=session, data=data, actor="test")  # the holder locked
        thread.start()
        time.sleep(1.0 if engine.dialect.name == "postgresql" else 0)
    thread.join(30)
    assert _outcome(outcome["result"]) == [(2, "the holder already has an open card")]
    with engine.connect() as conn:
        open_cards = conn.execute(
            text("SELECT count(*) FROM card WHERE status IN ('pending_entry', 'active')")
        ).scalar_one()
    assert open_cards == 1


def test_a_file_without_its_header_row_names_no_personal_data(tmp_path: Path, settings, db_url):  # type: ignore[no-untyped-def]
    """A file exported without its header: its first record was read as the header and
    printed back as "unknown columns" (a holder's name, birth date and passport number on
    stderr, into the operator's logs). Exit 2, and only the layout's own names are printed."""
    path = tmp_path / "noheader.csv"
    write_csv(path, 3)
    path.write_text("".join(path.read_text(encoding="utf-8").splitlines(True)[1:]))
    env = cli_env(ONBOARD_DATA_DIR=str(settings.data_dir), ONBOARD_DATABASE_URL=db_url)
    run = onboard_cli("import", "cards", str(path), env=env)
    assert run.returncode == 2, run.stderr
    assert "no column of the layout" in run.stderr and "Traceback" not in run.stderr
    for personal in ("Каримов", "Шухрат", "1990-05-01", "FA0000000", "4612 0000000"):
        assert personal not in run.stderr + run.stdout, personal


def test_an_expired_card_blocks_no_later_card(engine, tmp_path: Path) -> None:
    """An open status whose stay has ended (a paper card with no exit stamp) is expired, as
    the registry counts it (cards.service.holds_open): the holder's next card is taken, in
    the same file and from a later one."""
    document = {"document_number": "FE0000001"}
    expired = {**document, "exited_on": ""}  # entered in 2021, never stamped out
    opened = {**document, "exited_on": "", "planned_until": "2099-01-01"}
    first = tmp_path / "first.csv"
    _one_file(first, [{"archive_id": "E 1", **expired}, {"archive_id": "E 2", **expired}])
    result = importer.import_file(engine=engine, path=first)
    assert (result.imported, _outcome(result)) == (2, [])
    later = tmp_path / "later.csv"
    _one_file(later, [{"archive_id": "E 3", **opened}, {"archive_id": "E 4", **opened}])
    result = importer.import_file(engine=engine, path=later)
    assert result.imported == 1
    assert _outcome(result) == [(3, "the holder already has an open card")]
    assert _count(engine, "person") == 1 and _count(engine, "card") == 3
