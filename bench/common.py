"""Shared bench helpers: a served instance, wrk runs, and result printing."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

WRK_SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
WRK_CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))

# BENCH_SERVICE_DIR serves another checkout (to measure the version before a change, with
# this bench); BENCH_DATABASE_URL serves an existing (empty) database instead of SQLite.
SERVICE_DIR = Path(os.environ.get("BENCH_SERVICE_DIR") or Path(__file__).resolve().parents[1])


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def onboard(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        cwd=SERVICE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return out.stdout.strip()


def card_body(document: str = "FA1234567") -> dict[str, object]:
    """A POST /api/v1/cards body for one holder, staying 90 days from today."""
    today = date.today()
    return {
        "holder": {
            "surname": "Karimov", "given_names": "Shukhrat", "date_of_birth": "1990-05-01",
            "sex": "M", "citizenship": "UZB",
            "document": {"type": "passport", "number": document},
        },
        "purpose": "work",
        "planned_stay": {"from": today.isoformat(), "until": (today + timedelta(90)).isoformat()},
        "host": {"kind": "organisation", "name": "Stroika", "address": "Moscow"},
        "region": "RU-MOW",
    }  # fmt: skip


def officer_and_card(url: str, env: dict[str, str], password: str) -> tuple[str, dict[str, Any]]:
    """Create the officer ``officer1`` and an API key, register one card with it; returns
    (the key, the card as the API answered it)."""
    onboard(
        ["users", "create", "officer1", "--role", "officer", "--password-stdin"],
        env,
        stdin=password + "\n",
    )
    key = onboard(["api-keys", "create", "bench", "--scope", "cards:write"], env)
    card = httpx.post(
        url + "/api/v1/cards", json=card_body(), headers={"X-API-Key": key}, timeout=30
    ).json()
    return key, card


def wait_ready(
    url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float, timeout: float, pause: float
) -> None:
    """Poll ``url``/readyz until it answers 200; the server log is the error if it never does."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url + "/readyz", timeout=timeout).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(log.read_text())
        time.sleep(pause)


@dataclass
class Server:
    url: str
    env: dict[str, str]  # for CLI commands against the same data
    data: Path
    pid: int  # the server's main process (its workers are its children)


@contextmanager
def served(workers: int = 1) -> Iterator[tuple[str, dict[str, str], Path]]:
    """A fresh data dir and `onboard serve` on a free port; yields (url, env, data_dir)."""
    with server(workers) as s:
        yield s.url, s.env, s.data


@contextmanager
def server(workers: int = 1) -> Iterator[Server]:
    """``served``, also naming the server's process."""
    data = Path(tempfile.mkdtemp(prefix="onboard-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARD_")}
    env["ONBOARD_DATA_DIR"] = str(data)
    env["ONBOARD_LOG_LEVEL"] = "WARNING"
    # The figures are for the endpoints themselves; the limiter would answer 429 at this load.
    env["ONBOARD_RATE_LIMIT_ENABLED"] = "false"
    if os.environ.get("BENCH_DATABASE_URL"):
        env["ONBOARD_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    onboard(["db", "upgrade"], env)
    port = free_port()
    log = open(data / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port)]
        + ["--workers", str(workers)],
        cwd=SERVICE_DIR,
        env=env,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc, data / "server.log", seconds=60, timeout=1, pause=0.1)
        yield Server(url, env, data, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def cpu_seconds(pid: int) -> float:
    """CPU (user + system, all threads) used so far by a process and its descendants, from
    /proc: the figure the machine's load does not move."""
    return sum(process_cpu(descendants(pid)).values())


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            children.setdefault(int(_stat(stat)[1]), []).append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo += children.get(found[-1], [])
    return found


def process_cpu(pids: list[int]) -> dict[int, float]:
    """utime + stime in seconds of each process still running (all its threads)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = _stat(Path(f"/proc/{pid}/stat"))
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def _stat(path: Path) -> list[str]:
    return path.read_text().rsplit(")", 1)[1].split()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(
    url: str,
    script: Path | None = None,
    seconds: int = WRK_SECONDS,
    connections: int = WRK_CONNECTIONS,
    threads: int = 2,
) -> WrkResult:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (make bench does it)")
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(
        cmd + [url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return WrkResult(
        rps=rps,
        p50_ms=p50,
        p99_ms=p99,
        non_2xx=int(non2xx.group(1)) if non2xx else 0,
        errors=sum(int(g) for g in errs.groups()) if errs else 0,
    )


def row(name: str, value: str, note: str = "") -> None:
    print(f"  {name:<46} {value:>14}  {note}")
