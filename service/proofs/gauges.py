"""The proofs domain's gauge for /metrics (see ``service.api.metrics``)."""

from __future__ import annotations

from collections.abc import Callable

from service.proofs.live import LiveCards


def cards_by_status(live: LiveCards) -> Callable[[], list[str]]:
    """Cards by stored status, counted in the in-memory registry (a count over a byte per
    card, no query)."""

    def lines() -> list[str]:
        live.ensure_loaded()
        out = [
            "# HELP onboard_cards Cards by stored status (expiry is derived, not stored).",
            "# TYPE onboard_cards gauge",
        ]
        out += [
            f'onboard_cards{{status="{s}"}} {n}' for s, n in sorted(live.status_counts().items())
        ]
        return out

    return lines
