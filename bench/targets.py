"""The national-scale issue's targets, judged on one `make bench-scale` run.

Each target is compared with what the same run measured, so the closing table says which
targets this run met and which it did not, with the figure beside the bound. The creation
and verification ratios are against `GET /healthz` measured in the same run (the floor),
never against a number written down elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.common import WrkResult

LOOKUPS = (
    "GET /cards?number=",
    "GET /cards?document_number=",
    "GET /cards/{id}",
    "GET /cards (cursor page of 50)",
)
STATS = (
    "GET /stats/cards?by=region",
    "GET /stats/cards?by=citizenship&from=",
    "GET /stats/cards?by=occupation",
)
HEALTH = "GET /healthz"
CREATE = "POST /cards (16 clients)"
VERIFY = "POST /verify"
# The creation rate before the work: 77-81 req/s with 16 clients; the target is 5x.
CREATE_BEFORE = 80.0


@dataclass(frozen=True)
class Verdict:
    target: str
    measured: str
    met: bool


@dataclass(frozen=True)
class ImportRun:
    rows: int
    rate: float  # rows/s
    seconds: float


def _ratio(small: WrkResult, big: WrkResult) -> float:
    return big.p99_ms / max(small.p99_ms, 0.001)


def _import(run: ImportRun) -> list[Verdict]:
    out = [Verdict("import into PostgreSQL >= 20,000 rows/s", f"{run.rate:,.0f} rows/s",
                   run.rate >= 20_000)]  # fmt: skip
    if run.rows >= 1_000_000:
        out.append(Verdict(f"{run.rows:,} rows imported in under a minute",
                           f"{run.seconds:,.0f} s", run.seconds < 60))  # fmt: skip
    return out


def _sizes(small: dict[str, WrkResult], big: dict[str, WrkResult]) -> list[Verdict]:
    out = []
    for names, bound in ((LOOKUPS, 1.5), (STATS, 2.0)):
        for name in names:
            ratio = _ratio(small[name], big[name])
            out.append(Verdict(f"{name}: p99 full / p99 10k <= {bound}", f"{ratio:.2f}",
                               ratio <= bound))  # fmt: skip
    for name in STATS:
        p99 = big[name].p99_ms
        out.append(Verdict(f"{name}: p99 < 100 ms at full size", f"{p99:.1f} ms", p99 < 100))
    return out


def _requests(big: dict[str, WrkResult]) -> list[Verdict]:
    health, made, checked = big[HEALTH], big[CREATE], big[VERIFY]
    errors = made.non_2xx + made.errors
    return [
        Verdict(f"POST /cards >= 5x {CREATE_BEFORE:.0f} req/s, without errors",
                f"{made.rps:,.0f} req/s, {errors} errors",
                made.rps >= 5 * CREATE_BEFORE and not errors),
        Verdict("POST /cards p99 < 100 ms", f"{made.p99_ms:.1f} ms", made.p99_ms < 100),
        Verdict("POST /cards >= 0.10 of GET /healthz", f"{made.rps / health.rps:.3f}",
                made.rps / health.rps >= 0.10),
        Verdict("POST /verify >= 0.30 of GET /healthz", f"{checked.rps / health.rps:.3f}",
                checked.rps / health.rps >= 0.30 and not checked.non_2xx + checked.errors),
    ]  # fmt: skip


def judge(
    small: dict[str, WrkResult], big: dict[str, WrkResult], imported: ImportRun
) -> list[Verdict]:
    """Every target of the issue this run can judge, in the issue's order."""
    return _import(imported) + _sizes(small, big) + _requests(big)


def table(verdicts: list[Verdict]) -> str:
    width = max(len(v.target) for v in verdicts)
    lines = [f"  {'target':<{width}}  {'measured':>22}  verdict"]
    for v in verdicts:
        lines.append(f"  {v.target:<{width}}  {v.measured:>22}  {'met' if v.met else 'NOT met'}")
    met = sum(v.met for v in verdicts)
    lines.append(f"  {met} of {len(verdicts)} targets met in this run")
    return "\n".join(lines)
