"""Card creations over HTTP against /healthz, and against the raw SQLite commit floor."""

from __future__ import annotations

import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.common import onboard, row, served, wrk

_CREATE_LUA = """
counter = 0
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  counter = counter + 1
  local doc = string.format("FA%d%07d", math.random(1, 99999), counter)
  local body = '{"holder":{"surname":"Каримов","given_names":"Шухрат","date_of_birth":"1990-05-01",' ..
    '"sex":"M","citizenship":"UZB","document":{"type":"passport","number":"' .. doc .. '"}},' ..
    '"purpose":"work","planned_stay":{"from":"%FROM%","until":"%UNTIL%"},' ..
    '"host":{"kind":"organisation","name":"Stroika","address":"Moscow"},"region":"RU-MOW"}'
  return wrk.format("POST", "/api/v1/cards", {["Content-Type"]="application/json",
    ["X-API-Key"]="%KEY%"}, body)
end
"""


def sqlite_commit_floor(n: int = 3000) -> float:
    """Single-row INSERT + COMMIT per second, WAL and synchronous=NORMAL, like the service."""
    with tempfile.TemporaryDirectory() as d:
        conn = sqlite3.connect(Path(d) / "floor.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
        started = time.perf_counter()
        for i in range(n):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (payload) VALUES (?)", (f"row {i}",))
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
        conn.close()
    return n / elapsed


def run() -> None:
    print("\nRegistry (one server worker, SQLite default, wrk 16 connections)")
    with served(workers=1) as (url, env, data):
        key = onboard(["api-keys", "create", "bench", "--scope", "cards:write"], env)
        script = data / "create.lua"
        today = date.today()
        script.write_text(
            _CREATE_LUA.replace("%KEY%", key)
            .replace("%FROM%", today.isoformat())
            .replace("%UNTIL%", (today + timedelta(days=90)).isoformat())
        )
        wrk(url + "/healthz", seconds=2)  # warm-up
        health = wrk(url + "/healthz")
        create = wrk(url, script=script)
    floor = sqlite_commit_floor()
    row(
        "GET /healthz",
        f"{health.rps:,.0f} req/s",
        f"p50 {health.p50_ms:.1f} ms, p99 {health.p99_ms:.1f} ms",
    )
    row(
        "POST /api/v1/cards",
        f"{create.rps:,.0f} req/s",
        f"p50 {create.p50_ms:.1f} ms, p99 {create.p99_ms:.1f} ms, non-2xx {create.non_2xx}",
    )
    row("raw SQLite single-row commit", f"{floor:,.0f} /s")
    if create.non_2xx:
        raise SystemExit(f"{create.non_2xx} card creations failed: the figures would be wrong")
    row("creations / healthz", f"{create.rps / health.rps:.3f}", "target >= 0.10")
    row("creations / raw SQLite commit", f"{create.rps / floor:.4f}")
