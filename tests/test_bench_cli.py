"""`python -m bench` answers --help and a wrong name without running any benchmark."""

from __future__ import annotations

import subprocess
import sys


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], capture_output=True, text=True, timeout=60
    )


def test_help_lists_the_benchmarks_and_runs_none() -> None:
    r = _bench("--help")
    assert r.returncode == 0, r.stderr
    for name in ("registry", "proofs", "officer", "archive", "bot", "BENCH_SERVICE_DIR"):
        assert name in r.stdout
    assert "Onboard benchmarks on" not in r.stdout  # what a run prints first


def test_an_unknown_benchmark_is_a_usage_error() -> None:
    r = _bench("proofs", "nosuch")
    assert r.returncode == 2 and "no benchmark nosuch" in r.stderr
    assert "Onboard benchmarks on" not in r.stdout
