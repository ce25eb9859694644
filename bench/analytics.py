"""Analytics at size: `python -m bench.analytics [CARDS]` (default 100,000) on PostgreSQL.

Builds a database with the archive importer, spreads the cards over regions, citizenships
and two years, folds the roll-up, then times each analytics request (one client, sequential)
against GET /healthz in the same run. Needs PostgreSQL at BENCH_PG (default
postgresql://postgres@127.0.0.1:5432); creates and drops its own database.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.archive import write_csv
from service.archive import importer
from service.core.db import make_engine, transaction
from service.core.migrate import upgrade
from service.stats import rollup
from tests.e2e.server import serve

REQUESTS = 20

SPREAD = """
UPDATE card SET
  region = (ARRAY['RU-MOW','RU-SVE','RU-SPE','RU-TA','RU-KDA','RU-MOS','RU-NVS','RU-TYU',
                  'RU-BA','RU-SAM'])[1 + serial % 10],
  purpose = (ARRAY['work','work','work','study','private','business'])[1 + serial % 6],
  occupation = (ARRAY['builder','driver','welder','cook','cleaner'])[1 + serial % 5],
  created_at = timestamptz '2025-01-01 09:00+00' + (serial % 700) * interval '1 day',
  entered_on = CASE WHEN serial % 4 = 0 THEN NULL ELSE date '2025-01-01' + (serial % 700)::int END,
  exited_on = CASE WHEN serial % 3 = 0 THEN date '2025-01-01' + (serial % 700)::int + 60 END,
  stay_until = date '2025-01-01' + (serial % 700)::int + 90,
  status = CASE WHEN serial % 4 = 0 THEN 'pending_entry' WHEN serial % 3 = 0 THEN 'closed'
                ELSE 'active' END
"""
CITIZENSHIP = """
UPDATE person SET citizenship =
  (ARRAY['UZB','TJK','KGZ','KAZ','ARM','AZE','CHN','IND'])[1 + abs(hashtext(id::text)) % 8]
"""


def _time(
    http: httpx.Client, path: str, headers: dict[str, str], n: int = REQUESTS
) -> tuple[float, float]:
    """(p50, slowest of n) in ms; with n < 100 the slowest stands for p99."""
    took = []
    for _ in range(n):
        start = time.perf_counter()
        r = http.get(path, headers=headers)
        took.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
    took.sort()
    return statistics.median(took), took[-1]


def main(cards: int) -> None:
    base = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
    name = f"onboard_bench_analytics_{uuid.uuid4().hex[:6]}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    url = f"{base}/{name}"
    try:
        upgrade(url)
        engine = make_engine(url)
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "archive.csv"
            write_csv(path, cards)
            started = time.perf_counter()
            result = importer.import_file(engine=engine, path=path)
            print(f"{result.imported:,} cards imported in {time.perf_counter() - started:.1f} s")
        with transaction(engine) as session:
            session.execute(text(SPREAD))
            session.execute(text(CITIZENSHIP))
            session.execute(text("UPDATE card_stats_state SET folded_through = NULL"))
            session.execute(text("DELETE FROM card_stats_daily"))
        with transaction(engine) as session:
            rollup.fold(session=session)
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        engine.dispose()
        with (
            tempfile.TemporaryDirectory() as d,
            serve(Path(d), database_url=url) as server,
            httpx.Client(base_url=server.url, timeout=120) as http,
        ):
            token = http.post(
                "/api/v1/auth/token",
                data={"username": "admin", "password": server.admin_password},
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            floor = _time(http, "/healthz", {})
            print(f"{'request':<62} {'p50 ms':>8} {'max ms':>8} {'p50/healthz':>12}")
            print(f"{'/healthz (floor)':<62} {floor[0]:8.1f} {floor[1]:8.1f} {1:12.1f}")
            for path in (
                "/api/v1/stats/cards?by=region",
                "/api/v1/stats/cards?by=citizenship&from=2026-01-01&to=2026-06-30",
                "/api/v1/stats/cards/monthly?by=region&from=2025-01-01&to=2025-12-31",
                "/api/v1/stats/cards/monthly?by=region&citizenship=UZB&occupation=builder",
                "/api/v1/stats/outcomes?by=course",
                "/api/v1/stats/outcomes?by=region",
                "/api/v1/stats/quotas",
            ):
                p50, p99 = _time(http, path, auth, 3 if "outcomes" in path else REQUESTS)
                print(f"{path:<62} {p50:8.1f} {p99:8.1f} {p50 / floor[0]:12.1f}")
    finally:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", name], check=False)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
