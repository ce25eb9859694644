"""The closing table of `make bench-scale`: each target judged against the run's figures."""

from bench import targets
from bench.common import WrkResult


def _run(p99: float, rps: float = 100.0, non_2xx: int = 0) -> WrkResult:
    return WrkResult(rps=rps, p50_ms=p99 / 2, p99_ms=p99, non_2xx=non_2xx, errors=0)


def _sizes(lookup_p99: float, stats_p99: float, create: WrkResult, verify: WrkResult):
    small = {name: _run(10.0) for name in (*targets.LOOKUPS, *targets.STATS)}
    big = {name: _run(lookup_p99) for name in targets.LOOKUPS}
    big |= {name: _run(stats_p99) for name in targets.STATS}
    for sizes in (small, big):
        sizes |= {targets.HEALTH: _run(1.0, rps=5_000), targets.CREATE: create,
                  targets.VERIFY: verify}  # fmt: skip
    return small, big


def _verdicts(verdicts: list[targets.Verdict]) -> dict[str, bool]:
    return {v.target: v.met for v in verdicts}


def test_a_run_that_meets_every_target_says_so() -> None:
    small, big = _sizes(15.0, 20.0, _run(90.0, rps=600), _run(5.0, rps=1_600))
    got = targets.judge(small, big, targets.ImportRun(1_000_000, 21_000.0, 47.6))
    assert all(v.met for v in got), [v for v in got if not v.met]
    assert "16 of 16 targets met" in targets.table(got)


def test_each_missed_target_is_named_with_its_figure() -> None:
    # Lookups' p99 1.6x the 10k figure, stats' 2.1x (yet under 100 ms); creation at
    # 450 req/s is 0.09 of /healthz with a p99 of 120 ms; verification at 0.29.
    small, big = _sizes(16.0, 21.0, _run(120.0, rps=450), _run(5.0, rps=1_450))
    got = targets.judge(small, big, targets.ImportRun(1_000_000, 10_289.0, 97.2))
    met = _verdicts(got)
    assert not met["import into PostgreSQL >= 20,000 rows/s"]
    assert not met["1,000,000 rows imported in under a minute"]
    assert not met["GET /cards?number=: p99 full / p99 10k <= 1.5"]
    assert not met["GET /stats/cards?by=region: p99 full / p99 10k <= 2.0"]
    assert met["GET /stats/cards?by=region: p99 < 100 ms at full size"]
    assert met["POST /cards >= 5x 80 req/s, without errors"]
    assert not met["POST /cards p99 < 100 ms"]
    assert not met["POST /cards >= 0.10 of GET /healthz"]
    assert not met["POST /verify >= 0.30 of GET /healthz"]
    text = targets.table(got)
    assert "10,289 rows/s" in text and "NOT met" in text and "0.290" in text


def test_errors_fail_a_throughput_target_and_small_runs_skip_the_minute() -> None:
    small, big = _sizes(10.0, 10.0, _run(50.0, rps=900, non_2xx=3), _run(5.0, rps=2_000))
    got = _verdicts(targets.judge(small, big, targets.ImportRun(200_000, 30_000.0, 6.7)))
    assert not got["POST /cards >= 5x 80 req/s, without errors"]
    assert "1,000,000 rows imported in under a minute" not in got
    assert "200,000 rows imported in under a minute" not in got
