"""Archive import: 10,000 paper records with 50 bad ones; a re-run adds nothing."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from bench.archive import write_csv
from service.archive import importer


def _count(engine, table: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_ten_thousand_rows_fifty_bad_and_rerun(engine, tmp_path: Path, settings, db_url) -> None:
    path = tmp_path / "archive.csv"
    bad_lines = write_csv(path, 10_000, bad=50)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARD_")}
    env.update(ONBOARD_DATA_DIR=str(settings.data_dir), ONBOARD_DATABASE_URL=db_url)
    run = subprocess.run(
        [sys.executable, "-m", "service.cli", "import", "cards", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
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
        run = subprocess.run(
            [sys.executable, "-m", "service.cli", "import", "cards", str(tmp_path / name)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
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
        {"entered_on": "", "exited_on": ""},  # a second open card
        {"date_of_birth": "1991-05-01"},  # someone else with this document
    ])  # fmt: skip
    for batch_size in (1000, 1):
        result = importer.import_file(engine=engine, path=path, batch_size=batch_size)
        if batch_size == 1:  # the re-run, a row a batch: nothing new, the same bad rows
            assert result.imported == 0 and result.already_imported == 2
        else:
            assert result.imported == 2
        assert [(line, reason) for line, _, reason in result.bad] == [
            (4, "the holder already has an open card"),
            (5, "document is registered to another holder"),
        ]
    assert _count(engine, "person") == 1 and _count(engine, "card") == 2
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
    ]
    assert data[0]["exited_on"] == "2021-05-20" and data[1]["source"] == "paper archive"

    later = tmp_path / "later.csv"
    _holder_rows(later, [{"archive_id": "LATER 1", "entered_on": "", "exited_on": ""}])
    result = importer.import_file(engine=engine, path=later, batch_size=1)
    assert [reason for _, _, reason in result.bad] == ["the holder already has an open card"]
