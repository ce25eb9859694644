"""`make bench-scale`: the registry at 10,000 cards and at full size on PostgreSQL.

Builds a PostgreSQL database of ``BENCH_SCALE_ROWS`` cards (default 1,000,000) with the
archive importer, and one of 10,000; serves each with two workers and measures every
endpoint with wrk at both sizes in turn (``BENCH_SCALE_ROUNDS`` rounds, default 3, medians),
printing p50/p99, the p99 ratio between sizes, and at the end each of the issue's targets
judged on the run's own figures (``bench/targets.py``).
``BENCH_PG_URL`` names the server (default postgresql://postgres@127.0.0.1:5432); the
databases ``onboard_bench_scale_*`` (``BENCH_SCALE_DB`` changes the prefix, so that two runs
on one server do not drop each other's) are dropped and created again.
``BENCH_SERVICE_DIR`` serves another checkout (to measure a version before a change).
"""

from __future__ import annotations

import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bench import targets
from bench.archive import write_csv
from bench.common import (
    SERVICE_DIR,
    WrkResult,
    card_body,
    descendants,
    free_port,
    onboard,
    process_cpu,
    wait_ready,
    wrk,
)
from service.archive import importer
from service.archive.models import COLUMNS
from service.core.db import make_engine, transaction
from service.core.migrate import upgrade
from service.stats import rollup

PG = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
ROWS = int(os.environ.get("BENCH_SCALE_ROWS", "1000000"))
SMALL = 10_000
# Rounds of each request at each size (the median is kept), and a warm-up after start.
ROUNDS = int(os.environ.get("BENCH_SCALE_ROUNDS", "3"))
WARM_SECONDS = 5
DB_PREFIX = os.environ.get("BENCH_SCALE_DB", "onboard_bench_scale")
_REGIONS = ["RU-MOW", "RU-SPE", "RU-MOS", "RU-TA", "RU-SVE", "RU-NVS", "RU-KDA", "RU-BA"]
_CITIZENSHIP = ["UZB", "TJK", "KGZ", "KAZ", "ARM", "AZE"]
_OCCUPATIONS = ["builder", "driver", "cook", "cleaner", "welder", "courier", ""]


def _varied_csv(path: Path, rows: int) -> None:
    """The archive bench's file with regions, citizenships and occupations spread."""
    write_csv(path, rows)
    rnd = random.Random(11)
    tmp = path.with_suffix(".tmp")
    with path.open(encoding="utf-8", newline="") as src, tmp.open("w", newline="") as out:
        reader, writer = csv.DictReader(src), csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for record in reader:
            record["region"] = rnd.choice(_REGIONS)
            record["citizenship"] = rnd.choice(_CITIZENSHIP)
            record["occupation"] = rnd.choice(_OCCUPATIONS)
            writer.writerow(record)
    tmp.replace(path)


def _database(name: str) -> str:
    admin = create_engine(PG + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{PG}/{name}"


@dataclass
class Built:
    url: str
    rows: int
    import_rate: float
    floor_rate: float  # the same file read and COPYed as text into a table without indexes
    seconds: float


def copy_floor(engine: Engine, path: Path) -> float:
    """Rows/s of the bare transport: csv.reader and one COPY of every row, as text, into a
    temporary table without indexes or checks (the floor the importer is compared with)."""
    started = time.perf_counter()
    rows = 0
    with engine.connect() as conn, path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        columns = ", ".join(f"c{i} text" for i in range(len(header)))
        conn.execute(text(f"CREATE TEMP TABLE floor_copy ({columns})"))
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy("COPY floor_copy FROM STDIN") as copy:  # type: ignore[union-attr]
            for record in reader:
                copy.write_row(record)
                rows += 1
        conn.commit()
    return rows / (time.perf_counter() - started)


def _import_varied(
    url: str, engine: Engine, rows: int, floor: bool = False
) -> tuple[importer.ImportResult, float]:
    """Migrate ``url`` and import ``rows`` varied archive cards; with ``floor``, also the
    rows/s of a bare COPY of the same file (else 0.0)."""
    upgrade(url)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "archive.csv"
        _varied_csv(path, rows)
        result = importer.import_file(engine=engine, path=path)
        return result, copy_floor(engine, path) if floor else 0.0


def build(rows: int) -> Built:
    url = _database(f"{DB_PREFIX}_{rows}")
    engine = make_engine(url)
    result, floor = _import_varied(url, engine, rows, floor=True)
    time.sleep(rollup.MARGIN.total_seconds() + 1)  # then fold, as the API does every 5 min
    with transaction(engine) as session:
        rollup.fold(session=session)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return Built(url, result.imported, result.rows / result.seconds, floor, result.seconds)


@contextmanager
def serve(url: str, workers: int = 2) -> Iterator[tuple[str, dict[str, str], int]]:
    """Two API workers on ``url``; yields (base URL, environment, the server's pid)."""
    data = Path(tempfile.mkdtemp(prefix="onboard-scale-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARD_")}
    env |= {
        "ONBOARD_DATA_DIR": str(data),
        "ONBOARD_DATABASE_URL": url,
        "ONBOARD_LOG_LEVEL": "WARNING",
        "ONBOARD_RATE_LIMIT_ENABLED": "false",
        "ONBOARD_METRICS_PUBLIC": "true",  # measured as a scraper sees it, without a key
    }
    port = free_port()
    log = (data / "server.log").open("wb")
    cmd = [sys.executable, "-m", "service.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--workers", str(workers)], cwd=SERVICE_DIR, env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, data / "server.log", seconds=300, timeout=2, pause=0.2)
        yield base, env, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _lua(path: Path, method: str, headers: dict[str, str], body: str | None = None) -> Path:
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    path.write_text("\n".join(lines) + "\n")
    return path


_CREATE_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "%KEY%"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
request = function()
  n = n + 1
  local doc = string.format("R%02d%08d", tid, n)
  local body = string.gsub('%BODY%', "DOCUMENT", doc)
  return wrk.format(nil, nil, nil, body)
end
"""


@dataclass
class CpuPerRequest:
    """CPU milliseconds per request, from /proc, of the API processes and of the PostgreSQL
    backends serving its database (the figure the machine's load does not move)."""

    api_ms: float
    backends_ms: float


def _backends(url: str) -> list[int]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        pids = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
        ).scalars()
        found = list(pids)
    engine.dispose()
    return found


def _cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def measure_creation(url: str, seconds: int = 5) -> tuple[WrkResult, WrkResult, CpuPerRequest]:
    """/healthz and POST /cards with 16 clients on an empty database migrated by the served
    checkout itself (``BENCH_SERVICE_DIR``: compare before and after a change), and the CPU
    a creation costs: a 2 s warm-up of creations first (the pools fill), then /proc read
    around the measured run."""
    with serve(url) as (base, env, pid), tempfile.TemporaryDirectory() as d:
        key = onboard(["api-keys", "create", "scale", "--scope", "cards:write"], env)
        create = Path(d) / "c.lua"
        create.write_text(
            _CREATE_LUA.replace("%KEY%", key).replace(
                "%BODY%", json.dumps(card_body("DOCUMENT")).replace("'", "")
            )
        )
        wrk(base + "/healthz", seconds=2)
        health = wrk(base + "/healthz", seconds=seconds)
        warm = Path(d) / "w.lua"
        warm.write_text(create.read_text().replace('"R%02d', '"W%02d'))
        wrk(base + "/api/v1/cards", script=warm, seconds=2, connections=16)
        api, backends = descendants(pid), _backends(url)
        api_0, pg_0 = process_cpu(api), process_cpu(backends)
        cards = wrk(base + "/api/v1/cards", script=create, seconds=seconds, connections=16)
        api_1, pg_1 = process_cpu(api), process_cpu(list({*backends, *_backends(url)}))
    done = max(cards.rps * seconds, 1.0)
    cpu = CpuPerRequest(
        api_ms=1000 * _cpu_used(api_0, api_1) / done,
        backends_ms=1000 * _cpu_used(pg_0, pg_1) / done,
    )
    return health, cards, cpu


Run = tuple[str, str, Path | None, int]  # name, path, wrk script, connections


def _runs(base: str, env: dict[str, str], tmp: Path) -> list[Run]:
    """The measured requests against one served database (keys, an officer, a card and its
    proof made first)."""
    key = onboard(["api-keys", "create", "scale", "--scope", "cards:write"], env)
    stats_key = onboard(["api-keys", "create", "scale-stats", "--scope", "stats:read"], env)
    onboard(["users", "create", "officer1", "--role", "officer", "--password-stdin"], env,
         stdin="scale officer password\n")  # fmt: skip
    with httpx.Client(base_url=base, timeout=60) as http:
        card = http.post(
            "/api/v1/cards", json=card_body("FZ0000001"), headers={"X-API-Key": key}
        ).json()
        payload = http.get(f"/api/v1/cards/{card['id']}/proof", headers={"X-API-Key": key}).json()[
            "payload"
        ]
        tok = http.post(
            "/api/v1/auth/token",
            data={"username": "officer1", "password": "scale officer password"},
        ).json()["access_token"]
    k = {"X-API-Key": key}
    s = {"X-API-Key": stats_key}
    recent = (date.today() - timedelta(days=7)).isoformat()
    create = tmp / "c.lua"
    create.write_text(
        _CREATE_LUA.replace("%KEY%", key).replace(
            "%BODY%", json.dumps(card_body("DOCUMENT")).replace("'", "")
        )
    )
    return [
        ("GET /healthz", "/healthz", None, 16),
        ("GET /cards?number=", f"/api/v1/cards?number={card['number']}",
         _lua(tmp / "n.lua", "GET", k), 1),
        ("GET /cards?document_number=", "/api/v1/cards?document_number=FZ0000001",
         _lua(tmp / "d.lua", "GET", k), 1),
        ("GET /cards/{id}", f"/api/v1/cards/{card['id']}", _lua(tmp / "i.lua", "GET", k), 1),
        ("GET /cards (cursor page of 50)", "/api/v1/cards?limit=50",
         _lua(tmp / "p.lua", "GET", k), 1),
        ("GET /status-list", "/api/v1/status-list", None, 4),
        ("GET /stats/cards?by=region", "/api/v1/stats/cards?by=region",
         _lua(tmp / "s1.lua", "GET", s), 4),
        ("GET /stats/cards?by=citizenship&from=", f"/api/v1/stats/cards?by=citizenship&from={recent}",
         _lua(tmp / "s2.lua", "GET", s), 4),
        ("GET /stats/cards?by=occupation", "/api/v1/stats/cards?by=occupation",
         _lua(tmp / "s3.lua", "GET", s), 4),
        ("GET /metrics", "/metrics", None, 1),
        ("POST /verify", "/api/v1/verify",
         _lua(tmp / "v.lua", "POST",
              {"Content-Type": "application/json", "Authorization": f"Bearer {tok}"},
              json.dumps({"payload": payload})), 4),
        ("POST /cards (16 clients)", "/api/v1/cards", create, 16),
    ]  # fmt: skip


def _new_documents(script: Path, round_: int) -> Path:
    """The creation script of a later round: documents no earlier round registered (an
    open card's holder would be refused with 409)."""
    again = script.with_name(f"{script.stem}-{round_}.lua")
    again.write_text(script.read_text().replace('"R%02d', f'"R{round_}%02d'))
    return again


def _median(results: list[WrkResult]) -> WrkResult:
    """Each figure's median over the rounds; errors and non-2xx answers added up."""
    return WrkResult(
        rps=statistics.median(r.rps for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        non_2xx=sum(r.non_2xx for r in results),
        errors=sum(r.errors for r in results),
    )


def measure(urls: dict[int, str], seconds: int = 5) -> dict[int, dict[str, WrkResult]]:
    """Every request at every size, the sizes served at once and measured in turn, request
    by request, for ``ROUNDS`` rounds (the order of the sizes alternating), each figure the
    median of its rounds. Measured one size after the other, the same 10k database gave a
    cursor page p50 of 4.9 ms from one server start and 9.1 ms from the next (this machine,
    2026-12-02): the size ratios then said more about the start than about the size."""
    out: dict[int, dict[str, WrkResult]] = {rows: {} for rows in urls}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        plans = {}
        for rows, url in urls.items():
            base, env, _pid = stack.enter_context(serve(url))
            (tmp / str(rows)).mkdir()
            plans[rows] = (base, _runs(base, env, tmp / str(rows)))
        for base, _ in plans.values():  # both workers of each server past their start
            wrk(base + "/healthz", seconds=WARM_SECONDS)
        sizes = list(urls)
        for i, (name, *_) in enumerate(plans[sizes[0]][1]):
            got: dict[int, list[WrkResult]] = {rows: [] for rows in sizes}
            for round_ in range(ROUNDS):
                for rows in sizes if round_ % 2 == 0 else sizes[::-1]:
                    base, runs = plans[rows]
                    _, path, script, conns = runs[i]
                    if script is not None and path == "/api/v1/cards" and round_:
                        script = _new_documents(script, round_)
                    got[rows].append(wrk(base + path, script=script, seconds=seconds,
                                         connections=conns, threads=min(2, conns)))  # fmt: skip
            for rows in sizes:
                out[rows][name] = _median(got[rows])
    return out


# ------------------------------------------------------------------ analytics at full size

# Two years of paper cards in every state, over ten regions and eight citizenships; a third
# of the holders completed the course, most entered holders reported their registration, and
# 1.46 attempts per holder at the quiz (1.46M at 1M cards, the issue's course figure).
_SPREAD = (
    "DELETE FROM checklist_done",
    "DELETE FROM course_attempt",
    "DELETE FROM course_completion",
    """UPDATE card SET
  region = (ARRAY['RU-MOW','RU-SVE','RU-SPE','RU-TA','RU-KDA','RU-MOS','RU-NVS','RU-TYU',
                  'RU-BA','RU-SAM'])[1 + serial % 10],
  purpose = (ARRAY['work','work','work','study','private','business'])[1 + serial % 6],
  occupation = (ARRAY['builder','driver','welder','cook','cleaner', NULL])[1 + serial % 6],
  created_at = timestamptz '2025-01-01 09:00+00' + (serial % 700) * interval '1 day',
  entered_on = CASE WHEN serial % 4 = 0 THEN NULL ELSE date '2025-01-01' + (serial % 700)::int END,
  exited_on = CASE WHEN serial % 4 <> 0 AND serial % 3 = 0
                   THEN date '2025-01-01' + (serial % 700)::int + 60 END,
  stay_until = date '2025-01-01' + (serial % 700)::int + 90,
  status = CASE WHEN serial % 4 = 0 THEN 'pending_entry' WHEN serial % 3 = 0 THEN 'closed'
                WHEN serial % 97 = 0 THEN 'revoked' ELSE 'active' END""",
    """UPDATE person SET citizenship =
  (ARRAY['UZB','TJK','KGZ','KAZ','ARM','AZE','CHN','IND'])[1 + abs(hashtext(id::text)) % 8]""",
    """INSERT INTO course_completion (person_id, course_version, completed_at)
  SELECT person_id, :version,
         least(now() - interval '1 day',
               timestamptz '2025-01-01 09:00+00' + (serial % 700 + 5) * interval '1 day')
  FROM card WHERE serial % 3 = 1 ON CONFLICT DO NOTHING""",
    """INSERT INTO checklist_done (card_id, item_id, done_on, evidence, self_reported, actor, at)
  SELECT id, 'migration-registration', entered_on + (serial % 11)::int, 'bench', false, 'bench',
         now() - interval '1 day'
  FROM card WHERE entered_on IS NOT NULL AND serial % 5 <> 0""",
    """INSERT INTO course_attempt (person_id, module, course_version, language, answers, correct,
                            questions, score, passed, created_at)
  SELECT person_id, (ARRAY['first-day','work-permit','rights-at-work','health'])[1 + (serial + k) % 4], :version,
         (ARRAY['ru','uz','tg','ky'])[1 + serial % 4], '[0,1,2]', (serial + k) % 4, 3,
         ((serial + k) % 4) / 3.0, (serial + k) % 4 >= 2, now()
  FROM card, generate_series(1, 3) AS k WHERE k = 1 OR (k = 2 AND serial % 50 < 23)
     OR (k = 3 AND serial % 50 = 0)""",
    "UPDATE card_stats_state SET folded_through = NULL",
    "DELETE FROM card_stats_daily",
    "DELETE FROM stats_rollup_state",  # data changed by hand: the next fold rebuilds
)

ANALYTICS = (
    "/api/v1/stats/cards?by=region",
    "/api/v1/stats/cards?by=citizenship&from=2026-01-01&to=2026-06-30",
    "/api/v1/stats/cards/monthly?by=region",
    "/api/v1/stats/cards/monthly?by=occupation&from=2025-01-01&to=2026-12-31",
    "/api/v1/stats/cards/monthly?by=region&citizenship=UZB&occupation=builder",
    "/api/v1/stats/outcomes?by=course",
    "/api/v1/stats/outcomes?by=citizenship",
    "/api/v1/stats/outcomes?by=region",
    "/api/v1/stats/course",
    "/api/v1/stats/quotas",
)


def spread(url: str) -> float:
    """Spread the imported cards as above and rebuild the roll-ups; returns the rebuild's
    seconds (``onboard stats rebuild`` does the same after data changed by hand)."""
    from service.core.config import Settings
    from service.course import content

    engine = make_engine(url)
    version = content.get_course(Settings(secret_key="x" * 40).content_dir).version
    with transaction(engine) as session:
        for statement in _SPREAD:
            session.execute(text(statement), {"version": version})
    started = time.monotonic()
    with transaction(engine) as session:
        rollup.fold(session=session)  # no roll-up state yet: a full rebuild
    took = time.monotonic() - started
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return took


def measure_analytics(url: str, seconds: int = 5) -> dict[str, WrkResult]:
    """Every analytics request with wrk (4 connections, two workers), and GET /healthz in the
    same run as the floor."""
    out: dict[str, WrkResult] = {}
    with serve(url) as (base, env, _pid), tempfile.TemporaryDirectory() as d:
        key = onboard(["api-keys", "create", "scale-stats", "--scope", "stats:read"], env)
        script = _lua(Path(d) / "s.lua", "GET", {"X-API-Key": key})
        with httpx.Client(base_url=base, timeout=120) as http:
            for path in ANALYTICS:  # warm up, and check every answer is a 200
                r = http.get(path, headers={"X-API-Key": key})
                assert r.status_code == 200, (path, r.status_code, r.text[:300])
        # Both workers up and warm before the first measured request: the server is ready
        # when one worker answers, while the other may still be loading the cards, and a
        # worker's first second of requests is slow (new connections, first compilations).
        wrk(base + ANALYTICS[0], script=script, seconds=5, connections=4, threads=2)
        wrk(base + "/healthz", seconds=2)
        out["GET /healthz"] = wrk(base + "/healthz", seconds=seconds, connections=4, threads=2)
        for path in ANALYTICS:
            out["GET " + path.removeprefix("/api/v1")] = wrk(
                base + path, script=script, seconds=seconds, connections=4, threads=2
            )
    return out


def _imported(rows: int) -> str:
    """A database of ``rows`` archive cards (``BENCH_SCALE_REUSE=1``: the one left by an
    earlier run, if it holds them); no roll-up is built here (``spread`` builds it)."""
    name = f"{DB_PREFIX}_{rows}"  # BENCH_SCALE_DB: runs on one server keep apart
    if os.environ.get("BENCH_SCALE_REUSE"):
        url = f"{PG}/{name}"
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM card")).scalar() == rows:
                    print(f"  reusing {name}")
                    return url
        except Exception:  # noqa: S110 (no such database yet: build it)
            pass
        finally:
            engine.dispose()
    url = _database(name)
    engine = make_engine(url)
    result, _ = _import_varied(url, engine, rows)
    engine.dispose()
    print(f"  imported {result.imported:,} cards, {result.rows / result.seconds:,.0f} rows/s")
    return url


def run_analytics() -> None:
    print(f"Analytics on PostgreSQL at {ROWS:,} cards, two API workers, wrk 4 connections")
    url = _imported(ROWS)
    print(f"  spread and roll-ups rebuilt ({spread(url):.1f} s for the rebuild)", flush=True)
    results = measure_analytics(url)
    floor = results["GET /healthz"]
    print(f"\n  {'request':<72} {'p50 ms':>7} {'p99 ms':>7} {'req/s':>7} "
          f"{'p50/floor':>9} {'p99/floor':>9}")  # fmt: skip
    for name, r in results.items():
        print(
            f"  {name:<72} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f} {r.rps:>7,.0f} "
            f"{r.p50_ms / floor.p50_ms:>9.1f} {r.p99_ms / floor.p99_ms:>9.1f}"
            + (f"  ({r.non_2xx} non-2xx)" if r.non_2xx else "")
        )


def run_import() -> None:
    """Only the import of ``ROWS`` varied rows into a fresh database: rows/s, the bare COPY
    of the same file in the same run, and CPU per row (this process, all threads, and the
    PostgreSQL backends) read from /proc, which the machine's load does not change."""
    url = _database(f"{DB_PREFIX}_import")
    upgrade(url)
    engine = make_engine(url)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "archive.csv"
        _varied_csv(path, ROWS)
        load = os.getloadavg()
        me = os.getpid()
        own = process_cpu([me])[me]
        result = importer.import_file(engine=engine, path=path)
        own = process_cpu([me])[me] - own
        server = sum(process_cpu(_backends(url)).values())  # the import's pooled backends
        floor = copy_floor(engine, path)
    engine.dispose()
    rate = result.rows / result.seconds
    per_row = 1e6 / result.rows
    print(
        f"  {importer.__file__}: {result.imported:,} of {result.rows:,} rows in "
        f"{result.seconds:.1f} s = {rate:,.0f} rows/s; bare COPY {floor:,.0f} rows/s; "
        f"import / bare COPY {rate / floor:.3f}; CPU per row: Python {own * per_row:.1f} us, "
        f"PostgreSQL backend {server * per_row:.1f} us; load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        flush=True,
    )


def run() -> None:
    if os.environ.get("BENCH_SCALE_ONLY") == "import":
        run_import()
        return
    if os.environ.get("BENCH_SCALE_ONLY") == "analytics":
        run_analytics()
        return
    if os.environ.get("BENCH_SCALE_ONLY") == "create":
        health, made, cpu = measure_creation(_database(f"{DB_PREFIX}_create"))
        print(f"  {SERVICE_DIR}: /healthz {health.rps:,.0f} req/s; POST /cards (16 clients) "
              f"{made.rps:,.0f} req/s p50 {made.p50_ms:.1f} ms p99 {made.p99_ms:.1f} ms, "
              f"{made.non_2xx} non-2xx; ratio {made.rps / health.rps:.3f}; CPU per creation "
              f"API {cpu.api_ms:.2f} ms + PostgreSQL {cpu.backends_ms:.2f} ms; "
              f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
        return
    started = time.monotonic()
    print(f"Scale bench on PostgreSQL: {SMALL:,} and {ROWS:,} cards, two API workers", flush=True)
    urls = {}
    for rows in (SMALL, ROWS):
        built = build(rows)
        print(
            f"  built {built.rows:,} cards in {built.seconds:,.0f} s; import "
            f"{built.import_rate:,.0f} rows/s; bare COPY of the file {built.floor_rate:,.0f} "
            f"rows/s; import / bare COPY {built.import_rate / built.floor_rate:.2f}",
            flush=True,
        )
        urls[rows] = built.url
    print(f"  measuring both sizes in turn, {ROUNDS} rounds, medians", flush=True)
    results = measure(urls)
    small, big = results[SMALL], results[ROWS]
    health_rps = big["GET /healthz"].rps
    print(f"\n  {'endpoint':<40} {'10k p50/p99 ms':>16} {'full p50/p99 ms':>17} "
          f"{'req/s full':>11} {'p99 ratio':>9} {'/healthz':>8}")  # fmt: skip
    for name in small:
        a, b = small[name], big[name]
        print(
            f"  {name:<40} {a.p50_ms:>7.1f}/{a.p99_ms:<8.1f} {b.p50_ms:>7.1f}/{b.p99_ms:<9.1f} "
            f"{b.rps:>11,.0f} {b.p99_ms / max(a.p99_ms, 0.001):>9.2f} {b.rps / health_rps:>8.3f}"
            + (f"  ({b.non_2xx} non-2xx)" if b.non_2xx else "")
        )
    verdicts = targets.judge(
        small, big, targets.ImportRun(built.rows, built.import_rate, built.seconds)
    )
    print(f"\n  The issue's targets, judged on this run:\n{targets.table(verdicts)}")
    print(f"\n  whole run: {(time.monotonic() - started) / 60:.1f} min")


if __name__ == "__main__":
    run()
