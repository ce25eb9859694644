"""Prometheus metrics in the text exposition format, written by hand (no extra dependency).

Counters and histograms are per process: with several workers, scrape each worker or sum
in Prometheus. Gauges are supplied by the domains that know them (``Gauge``: a function
giving its exposition lines; ``proofs.gauges``, ``webhooks.gauges``), so this module reads
no domain's tables. Labels never hold personal data.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Sequence

# A gauge: its exposition lines (HELP, TYPE, samples), read when the metrics are scraped.
Gauge = Callable[[], list[str]]

_LATENCY = "onboard_http_request_duration_seconds"
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self, gauges: Sequence[Gauge] = ()) -> None:
        self.gauges = tuple(gauges)
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.latency: dict[str, list[int]] = {}
        self.latency_sum: dict[str, float] = defaultdict(float)
        self.latency_count: dict[str, int] = defaultdict(int)
        self.verdicts: dict[str, int] = defaultdict(int)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, str(status))] += 1
            buckets = self.latency.setdefault(route, [0] * len(_BUCKETS))
            for i, bound in enumerate(_BUCKETS):
                if seconds <= bound:
                    buckets[i] += 1
            self.latency_sum[route] += seconds
            self.latency_count[route] += 1

    def observe_verdict(self, verdict: str) -> None:
        with self._lock:
            self.verdicts[verdict] += 1

    def render(self) -> str:
        lines = [
            "# HELP onboard_http_requests_total HTTP requests by method, route and status.",
            "# TYPE onboard_http_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), n in sorted(self.requests.items()):
                lines.append(
                    f'onboard_http_requests_total{{method="{method}",route="{_esc(route)}",'
                    f'status="{status}"}} {n}'
                )
            lines += [
                "# HELP onboard_http_request_duration_seconds Request latency by route.",
                "# TYPE onboard_http_request_duration_seconds histogram",
            ]
            for route, buckets in sorted(self.latency.items()):
                r = _esc(route)
                for bound, n in zip(_BUCKETS, buckets, strict=True):
                    lines.append(f'{_LATENCY}_bucket{{route="{r}",le="{bound}"}} {n}')
                count = self.latency_count[route]
                lines.append(
                    f'onboard_http_request_duration_seconds_bucket{{route="{r}",le="+Inf"}} {count}'
                )
                lines.append(f'{_LATENCY}_sum{{route="{r}"}} {self.latency_sum[route]:.6f}')
                lines.append(f'onboard_http_request_duration_seconds_count{{route="{r}"}} {count}')
            lines += [
                "# HELP onboard_verifications_total Online proof checks by verdict.",
                "# TYPE onboard_verifications_total counter",
            ]
            for verdict, n in sorted(self.verdicts.items()):
                lines.append(f'onboard_verifications_total{{verdict="{verdict}"}} {n}')
        for gauge in self.gauges:
            lines += gauge()
        return "\n".join(lines) + "\n"


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
