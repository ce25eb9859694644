"""/metrics in Prometheus format, /readyz with Redis, and the heap frozen at start."""

from __future__ import annotations

import gc
import re

from fastapi.testclient import TestClient

from service.main import create_app
from tests.factories import card_payload


def test_metrics_count_requests_cards_verdicts_and_backlog(client, actors) -> None:
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    client.post("/api/v1/cards", json=card_payload(region="XX"), headers=actors["admin"])
    payload = client.get(f"/api/v1/cards/{card['id']}/proof", headers=actors["cards:read"]).json()[
        "payload"
    ]
    client.post("/api/v1/verify", json={"payload": payload}, headers=actors["officer"])
    client.post("/api/v1/verify", json={"payload": "nonsense"}, headers=actors["officer"])
    text = client.get("/metrics", headers=actors["metrics:read"]).text
    assert 'onboard_http_requests_total{method="POST",route="/api/v1/cards",status="201"} 1' in text
    assert 'onboard_http_requests_total{method="POST",route="/api/v1/cards",status="422"} 1' in text
    assert re.search(
        r'onboard_http_request_duration_seconds_count\{route="/api/v1/verify"\} 2', text
    )
    assert 'onboard_verifications_total{verdict="pending_entry"} 1' in text
    assert 'onboard_verifications_total{verdict="invalid"} 1' in text
    assert 'onboard_cards{status="pending_entry"} 1' in text
    assert "onboard_webhook_backlog 1" in text  # the card.created event, no worker has run
    assert card["holder"]["document"]["number"] not in text and card["id"] not in text


def test_readyz_checks_redis_when_configured(settings, engine) -> None:
    with TestClient(
        create_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"}), engine)
    ) as c:
        r = c.get("/readyz")
        assert r.status_code == 200 and r.json() == {
            "status": "ok",
            "database": "ok",
            "redis": "ok",
        }
    broken = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(broken, engine)) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["redis"] == "unreachable"


def test_start_leaves_the_long_lived_objects_out_of_collections(settings, engine) -> None:  # type: ignore[no-untyped-def]
    """The app's start freezes the modules and the app (service.main._settle_heap), so a full
    collection during requests walks only what came after."""
    gc.unfreeze()  # an app started earlier in this test process froze them already
    try:
        with TestClient(create_app(settings, engine)) as c:
            assert c.get("/healthz").status_code == 200
            frozen = gc.get_freeze_count()
            assert frozen > 50_000
            assert len(gc.get_objects()) < frozen / 2  # what a full collection still walks
    finally:
        gc.unfreeze()
