"""Two worker processes, real HTTP: each serves a revocation's bits within a second."""

from __future__ import annotations

import base64
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from service.proofs import statuslist
from tests.e2e.server import serve
from tests.factories import card_payload

BOUND = 1.0  # seconds from the revocation's answer to every worker serving the new bits


def _get_list(url: str) -> tuple[str, bytes, float]:
    """One request on a fresh connection (so either worker may take it)."""
    r = httpx.get(url + "/api/v1/status-list", headers={"Connection": "close"}, timeout=10)
    assert r.status_code == 200, r.text
    claims = json.loads(base64.urlsafe_b64decode(r.text.split(".")[1] + "=="))
    return r.headers["x-onboard-instance"], statuslist.decode_list(claims), time.monotonic()


def _burst(url: str, size: int = 6) -> list[tuple[str, bytes, float]]:
    with ThreadPoolExecutor(size) as pool:
        return list(pool.map(lambda _: _get_list(url), range(size)))


def test_every_worker_serves_a_revocation_within_a_second(tmp_path: Path) -> None:
    with serve(tmp_path / "data", workers=2) as server:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            token = http.post(
                "/api/v1/auth/token",
                data={"username": "admin", "password": server.admin_password},
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            card = http.post("/api/v1/cards", json=card_payload(), headers=auth).json()
            serial = card["serial"]

            # Both workers answer, and neither shows the card as revoked yet. Requests go in
            # bursts of parallel fresh connections: one at a time, an idle machine may hand
            # every connection to the same worker.
            instances: set[str] = set()
            for _ in range(50):
                for instance, bits, _at in _burst(server.url):
                    assert statuslist.get_status(bits, serial) in (statuslist.VALID, None)
                    instances.add(instance)
                if len(instances) == 2:
                    break
            assert len(instances) == 2, "the second worker never answered"

            r = http.post(
                f"/api/v1/cards/{card['id']}/revoke",
                json={"reason": "forged document"},
                headers=auth,
            )
            assert r.status_code == 200, r.text
            revoked_at = time.monotonic()

        stale_late: list[tuple[str, float]] = []
        fresh_late: set[str] = set()
        elapsed = 0.0
        for _ in range(300):  # bounded in count and in time
            for instance, bits, at in _burst(server.url):
                elapsed = at - revoked_at
                if elapsed > BOUND:
                    if statuslist.get_status(bits, serial) == statuslist.REVOKED:
                        fresh_late.add(instance)
                    else:
                        stale_late.append((instance, elapsed))
            if fresh_late == instances or elapsed > BOUND + 30:
                break
        # Every answer after the bound, from whichever worker, carries the revocation, and
        # each worker was heard from after the bound.
        assert not stale_late, stale_late
        assert fresh_late == instances, (fresh_late, instances)
