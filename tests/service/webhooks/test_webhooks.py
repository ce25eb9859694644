"""Webhooks against a real receiver on loopback: signatures, retries, dead letters, replay,
and a worker killed in the middle of a delivery."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from service.webhooks.worker import Worker, WorkerSettings, verify_signature
from tests.factories import card_payload


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that answers with scripted status codes."""

    def __init__(
        self, statuses: list[int] | None = None, delay: float = 0.0, port: int = 0
    ) -> None:
        self.statuses = list(statuses or [])
        self.delay = delay
        self.calls: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    made: list[Receiver] = []

    def make(statuses: list[int] | None = None, delay: float = 0.0) -> Receiver:
        made.append(Receiver(statuses, delay))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    """The receivers here listen on loopback: the explicit test-only setting lets them in."""
    return settings.model_copy(update={"webhook_allow_private_targets": True})


def _register(client, actors, url: str, events: list[str]) -> str:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/webhooks", json={"url": url, "events": events}, headers=actors["cards:write"]
    )
    assert r.status_code == 201, r.text
    assert "secret" not in str(client.get("/api/v1/webhooks", headers=actors["cards:write"]).json())
    return r.json()["secret"]


def _drain(worker: Worker, until, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not until():
        assert time.monotonic() < deadline, "worker did not finish in time"
        worker.fan_out()
        worker.deliver_due()
        time.sleep(0.02)


def test_events_are_delivered_signed(client, actors, engine, receiver) -> None:
    hook = receiver()
    secret = _register(client, actors, hook.url, ["card.created", "card.activated"])
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["cards:write"]).json()
    client.post(
        f"/api/v1/cards/{card['id']}/entry",
        json={"crossing_point": "SVO"},
        headers=actors["border"],
    )
    client.post(
        f"/api/v1/cards/{card['id']}/revoke",
        json={"reason": "test reason"},
        headers=actors["admin"],
    )
    worker = Worker(engine, WorkerSettings(backoff_seconds=0.05, allow_private_targets=True))
    _drain(worker, lambda: len(hook.calls) >= 2)
    types = []
    for headers, body in hook.calls:
        assert verify_signature(secret, headers["onboard-signature"], body, now=time.time())
        assert not verify_signature("wrong", headers["onboard-signature"], body, now=time.time())
        assert not verify_signature(
            secret, headers["onboard-signature"], body, now=time.time() + 3600
        )
        event = json.loads(body)
        assert event["id"] == headers["onboard-event-id"] and event["data"]["card_id"] == card["id"]
        for personal in ("Каримов", "KARIMOV", card["holder"]["document"]["number"], "Ленина"):
            assert personal not in body.decode()
        types.append(event["type"])
    assert types == ["card.created", "card.activated"]  # not subscribed to card.revoked


def test_retry_after_500_twice(client, actors, engine, receiver) -> None:
    hook = receiver([500, 500])
    _register(client, actors, hook.url, ["card.created"])
    client.post("/api/v1/cards", json=card_payload(), headers=actors["cards:write"])
    worker = Worker(engine, WorkerSettings(backoff_seconds=0.05, allow_private_targets=True))
    _drain(worker, lambda: len(hook.calls) >= 3)
    ids = {h["onboard-event-id"] for h, _ in hook.calls}
    assert len(ids) == 1
    pending = client.get(
        "/api/v1/webhook-deliveries", params={"status": "delivered"}, headers=actors["admin"]
    )
    [delivery] = pending.json()["items"]
    assert delivery["attempts"] == 3 and delivery["last_error"] is None


def test_dead_letter_and_replay(client, actors, engine, receiver) -> None:
    hook = receiver([500, 503, 500])
    _register(client, actors, hook.url, ["card.created"])
    client.post("/api/v1/cards", json=card_payload(), headers=actors["cards:write"])
    worker = Worker(
        engine, WorkerSettings(max_attempts=3, backoff_seconds=0.05, allow_private_targets=True)
    )

    def dead():
        return client.get("/api/v1/webhook-deliveries", headers=actors["admin"]).json()["items"]  # noqa: E731

    _drain(worker, lambda: bool(dead()))
    [letter] = dead()
    assert letter["attempts"] == 3 and letter["last_error"] == "HTTP 500"
    assert (
        client.post(
            f"/api/v1/webhook-deliveries/{letter['id']}/replay", headers=actors["cards:write"]
        ).status_code
        == 403
    )
    r = client.post(f"/api/v1/webhook-deliveries/{letter['id']}/replay", headers=actors["admin"])
    assert r.status_code == 200 and r.json()["status"] == "pending"
    _drain(worker, lambda: len(hook.calls) >= 4)
    assert dead() == []


def test_receiver_down_then_up_loses_nothing(client, actors, engine, receiver) -> None:
    hook = receiver()
    url = hook.url
    hook.close()  # nothing listens on that port now
    _register(client, actors, url, ["card.created"])
    for _ in range(3):
        client.post("/api/v1/cards", json=card_payload(), headers=actors["cards:write"])
    worker = Worker(
        engine, WorkerSettings(backoff_seconds=0.05, timeout_seconds=1, allow_private_targets=True)
    )
    for _ in range(3):
        worker.fan_out()
        worker.deliver_due()
        time.sleep(0.1)
    assert (
        client.get(
            "/api/v1/webhook-deliveries", params={"status": "delivered"}, headers=actors["admin"]
        ).json()["items"]
        == []
    )
    back = Receiver(port=int(url.rsplit(":", 1)[1].split("/")[0]))
    try:
        _drain(worker, lambda: len({h["onboard-event-id"] for h, _ in back.calls}) == 3, seconds=20)
    finally:
        back.close()


def test_worker_killed_mid_delivery_loses_nothing(
    client, actors, settings, receiver, db_url
) -> None:
    hook = receiver(delay=3.0)
    _register(client, actors, hook.url, ["card.created"])
    for _ in range(2):
        client.post("/api/v1/cards", json=card_payload(), headers=actors["cards:write"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARD_")}
    env.update(
        ONBOARD_DATA_DIR=str(settings.data_dir),
        ONBOARD_DATABASE_URL=db_url,
        ONBOARD_WEBHOOK_LEASE_SECONDS="2",
        ONBOARD_WEBHOOK_BACKOFF_SECONDS="0.1",
        ONBOARD_WEBHOOK_ALLOW_PRIVATE_TARGETS="true",
    )
    cmd = [sys.executable, "-m", "service.cli", "worker"]
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not hook.calls:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)  # dies while the receiver is still answering
    first.wait()
    hook.delay = 0.0
    second = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while len({h["onboard-event-id"] for h, _ in hook.calls}) < 2:
            assert time.monotonic() < deadline, hook.calls
            time.sleep(0.1)
    finally:
        second.terminate()
        second.wait(timeout=10)
    delivered = client.get(
        "/api/v1/webhook-deliveries", params={"status": "delivered"}, headers=actors["admin"]
    ).json()["items"]
    assert len(delivered) == 2  # every event delivered; a duplicate call is allowed (at least once)


def test_only_public_https_in_production(client, actors, app) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"env": "production", "webhook_allow_private_targets": False}
    )
    r = client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1/x", "events": ["card.created"]},
        headers=actors["cards:write"],
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "url"
    r = client.post(
        "/api/v1/webhooks",
        json={"url": "https://10.0.0.5/x", "events": ["card.created"]},
        headers=actors["cards:write"],
    )
    assert r.status_code == 422


def test_course_completion_is_an_event(client, actors, engine, receiver, settings) -> None:
    from service.course.content import get_course
    from tests.factories import attempt, new_person, right_answers

    hook = receiver()
    _register(client, actors, hook.url, ["course.completed"])
    person = new_person(client, actors["admin"])
    course = get_course(settings.content_dir)
    for module in course.modules:
        assert (
            attempt(
                client, actors["cards:write"], person, module.slug, right_answers(module)
            ).status_code
            == 201
        )
    worker = Worker(engine, WorkerSettings(backoff_seconds=0.05, allow_private_targets=True))
    _drain(worker, lambda: len(hook.calls) >= 1)
    event = json.loads(hook.calls[0][1])
    assert event["type"] == "course.completed" and event["data"]["person_id"] == person
    assert event["data"]["course_version"] == course.version
