"""Archive import speed on SQLite: rows per second for a generated paper-card file."""

from __future__ import annotations

import csv
import random
import tempfile
import time
from pathlib import Path

from bench.common import row
from service.archive import importer
from service.archive.models import COLUMNS
from service.core.db import make_engine
from service.core.migrate import upgrade

_BAD_KINDS = [
    ("date_of_birth", "2999-01-01"),
    ("citizenship", "XYZ"),
    ("region", "RU-ZZ"),
    ("document_number", "12"),
    ("planned_until", "2020-01-01"),
    ("exited_on", "2021-01-01"),
    ("purpose", "holiday"),
    ("citizenship", "RUS"),
    ("sex", "X"),
    ("archive_id", "DUPLICATE"),
]


def write_csv(path: Path, rows: int, bad: int = 0, seed: int = 7) -> list[int]:
    """A paper-card file; ``bad`` rows of the kinds above; returns their line numbers."""
    rnd = random.Random(seed)
    bad_rows = set(rnd.sample(range(1, rows), bad)) if bad else set()
    lines = []
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for i in range(rows):
            record = {
                "archive_id": f"4612 {i:07d}", "surname": "Каримов", "given_names": "Шухрат",
                "surname_latin": "", "given_names_latin": "", "date_of_birth": "1990-05-01",
                "sex": "M", "citizenship": "UZB", "document_type": "passport",
                "document_number": f"FA{i:07d}", "purpose": "work", "visa_number": "",
                "planned_from": "2021-03-01", "planned_until": "2021-05-29", "host_kind": "organisation",
                "host_name": "ООО Стройка", "host_address": "Москва, ул. Ленина, 1", "region": "RU-MOW",
                "occupation": "builder", "entered_on": "2021-03-02", "entry_point": "Moscow SVO",
                "exited_on": "2021-05-20", "exit_point": "Moscow SVO",
            }  # fmt: skip
            if i in bad_rows:
                name, value = _BAD_KINDS[len(lines) % len(_BAD_KINDS)]
                record[name] = value if name != "archive_id" else "4612 0000000"
                if name == "exited_on":
                    record["entered_on"] = "2021-03-02"
                lines.append(i + 2)  # header is line 1
            out.writerow([record[c] for c in COLUMNS])
    return lines


def run() -> None:
    print("\nArchive import (SQLite, one process)")
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{d}/onboard.db"
        upgrade(url)
        engine = make_engine(url)
        path = Path(d) / "archive.csv"
        write_csv(path, 20_000)
        cpu = time.process_time()
        result = importer.import_file(engine=engine, path=path)
        cpu = time.process_time() - cpu
        again = importer.import_file(engine=engine, path=path)
        engine.dispose()
    row("rows imported", f"{result.imported:,}", f"in {result.seconds:.2f} s")
    row("import rate", f"{result.rows / result.seconds:,.0f} rows/s", "target >= 5,000")
    row("CPU per row (all threads)", f"{cpu / result.rows * 1e6:,.0f} us", "load-independent")
    row(
        "re-run (nothing new)",
        f"{again.rows / again.seconds:,.0f} rows/s",
        f"{again.already_imported:,} already imported",
    )
