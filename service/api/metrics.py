"""Prometheus metrics in the text exposition format, written by hand (no extra dependency).

Counters and histograms are per process: with several workers, scrape each worker or sum
in Prometheus. Cards by status are counted in the in-memory registry (``proofs.live``, a
count over a byte per card, no query); the webhook backlog is read from the database at most
every ``_GAUGE_SECONDS`` per process. Labels never hold personal data.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

if TYPE_CHECKING:
    from service.proofs.live import LiveCards

_GAUGE_SECONDS = 15.0
_LATENCY = "onboard_http_request_duration_seconds"
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.latency: dict[str, list[int]] = {}
        self.latency_sum: dict[str, float] = defaultdict(float)
        self.latency_count: dict[str, int] = defaultdict(int)
        self.verdicts: dict[str, int] = defaultdict(int)
        self._backlog_cache: tuple[float, int] | None = None

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

    def render(self, engine: Engine, live: LiveCards | None = None) -> str:
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
        lines += self._gauges(engine, live)
        return "\n".join(lines) + "\n"

    def _backlog(self, engine: Engine) -> int:
        from service.core.db import read_only
        from service.webhooks.models import OutboxEvent, WebhookDelivery

        cached = self._backlog_cache
        if cached is not None and time.monotonic() - cached[0] < _GAUGE_SECONDS:
            return cached[1]
        with Session(read_only(engine)) as session:
            pending = session.exec(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(WebhookDelivery.status == "pending")
            ).one()
            undispatched = session.exec(
                select(func.count())
                .select_from(OutboxEvent)
                .where(col(OutboxEvent.dispatched).is_(False))
            ).one()
        value = int(pending) + int(undispatched)
        self._backlog_cache = (time.monotonic(), value)
        return value

    def _gauges(self, engine: Engine, live: LiveCards | None) -> list[str]:
        if live is not None:
            live.ensure_loaded()
            by_status = sorted(live.status_counts().items())
        else:
            from service.cards.models import Card
            from service.core.db import read_only

            with Session(read_only(engine)) as session:
                by_status = list(
                    session.exec(select(Card.status, func.count()).group_by(Card.status)).all()
                )
        lines = [
            "# HELP onboard_cards Cards by stored status (expiry is derived, not stored).",
            "# TYPE onboard_cards gauge",
        ]
        lines += [f'onboard_cards{{status="{s}"}} {n}' for s, n in sorted(by_status)]
        lines += [
            "# HELP onboard_webhook_backlog Events not yet delivered (outbox + pending).",
            "# TYPE onboard_webhook_backlog gauge",
            f"onboard_webhook_backlog {self._backlog(engine)}",
        ]
        return lines


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
