"""Archive cards count on the paper card's own dates, not on the import day; the import time
stays in archive_import for audit; a re-import and a later fold change nothing."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bench.archive import write_csv
from service.archive import importer
from service.core.db import transaction
from service.stats import rollup


def _archive(path: Path) -> None:
    """20 paper cards: 12 entered on 10 March 2025, 8 never entered (planned from 2 April)."""
    write_csv(path, 20)
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    head = rows[0]
    for i, row in enumerate(rows[1:]):
        row[head.index("region")] = "RU-SVE"
        row[head.index("planned_from")] = "2025-03-01" if i < 12 else "2025-04-02"
        row[head.index("planned_until")] = "2025-05-29"
        row[head.index("entered_on")] = "2025-03-10" if i < 12 else ""
        row[head.index("entry_point")] = "Екатеринбург" if i < 12 else ""
        row[head.index("exited_on")] = "2025-05-20" if i < 12 else ""
        row[head.index("exit_point")] = "Екатеринбург" if i < 12 else ""
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _region(client, actors, **params: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = client.get(
        "/api/v1/stats/cards", params={"by": "region", **params}, headers=actors["analyst"]
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("folded_before", [True, False])
def test_archive_cards_count_on_their_paper_dates(
    client, actors, engine, fixed_clock, tmp_path: Path, folded_before: bool
) -> None:
    if folded_before:  # the watermark is past the paper dates: the import adds to the roll-up
        with transaction(engine) as session:
            rollup.fold(session=session)
    path = tmp_path / "archive.csv"
    _archive(path)
    assert importer.import_file(engine=engine, path=path).imported == 20

    def answers() -> tuple[Any, ...]:
        monthly = client.get(
            "/api/v1/stats/cards/monthly",
            params={"by": "region", "from": "2025-03-01", "to": "2025-04-30"},
            headers=actors["analyst"],
        ).json()
        return (
            _region(client, actors),
            _region(client, actors, **{"from": "2025-03-10", "to": "2025-03-10"}),
            _region(client, actors, **{"from": "2026-11-22"}),  # the import day: nothing
            [(m["month"], m["issued"], m["arrivals"]) for m in monthly["groups"][0]["months"]],
        )

    sve = {"code": "RU-SVE", "label": "Свердловская область"}
    first = answers()
    assert first[0] == [sve | {"count": 20}]
    assert first[1] == [sve | {"count": 10}]  # 12 issued at entry on 10 March, rounded
    assert first[2] == []
    assert first[3] == [("2025-03", 10, 10), ("2025-04", None, 0)]  # 8 in April: hidden

    with engine.connect() as conn:  # the import time is kept for audit
        stamps = conn.execute(text("SELECT DISTINCT imported_at FROM archive_import")).all()
    assert len(stamps) == 1 and "2026-11-22" in str(stamps[0][0])

    again = importer.import_file(engine=engine, path=path)
    assert again.imported == 0 and again.already_imported == 20
    fixed_clock.advance(minutes=5)
    with transaction(engine) as session:
        rollup.fold(session=session)
    assert answers() == first
