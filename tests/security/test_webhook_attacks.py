"""Webhook SSRF and ownership, replayed against a served API (issue 11, part 6).

Registration is checked by the served process; deliveries by the real worker (in this process,
on the served database) posting to real listeners on loopback.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text, update

from service.core.db import make_engine
from service.webhooks.models import WebhookDelivery
from service.webhooks.worker import Worker, WorkerSettings
from tests.factories import card_payload
from tests.security.harness import Live, start_live
from tests.service.webhooks.test_webhooks import Receiver

EVENTS = ["card.created"]


def _loopback_name() -> str | None:
    """A DNS name (not a literal, not `localhost`) that resolves to a loopback address here."""
    name = socket.gethostname()
    try:
        infos = socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)
    except OSError:
        return None
    loopback = all(i[4][0].startswith("127.") or i[4][0] == "::1" for i in infos)
    return name if infos and loopback and "." not in name.rstrip(".") else None


SSRF_TARGETS = [
    "https://probe@127.0.0.1:18998/",
    "https://[::1]/",
    "https://[::ffff:7f00:1]/",
    "https://[fd00::1]/",
    "https://localhost./",
    "https://100.64.0.1/",
    "https://localhost/",
    "https://hooks.localhost/x",
    "https://169.254.169.254/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://10.0.0.5/x",
    "https://[2002:7f00:1::1]/",  # 6to4 around 127.0.0.1
    "https://0.0.0.0/",
    "https://224.0.0.1/",
    "http://93.184.215.14/hook",  # public, but not https
]


@pytest.mark.parametrize("url", SSRF_TARGETS)
def test_private_or_odd_targets_are_refused_at_registration(live: Live, url: str) -> None:
    with live.client() as http:
        r = http.post(
            "/api/v1/webhooks",
            json={"url": url, "events": EVENTS},
            headers=live.actors["cards:read"],
        )
    assert r.status_code == 422, (url, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "url"


def test_a_name_resolving_to_loopback_is_refused(live: Live) -> None:
    name = _loopback_name()
    if name is None:
        pytest.skip("this machine's host name does not resolve to loopback")
    with live.client() as http:
        r = http.post(
            "/api/v1/webhooks",
            json={"url": f"https://{name}:{live.url.rsplit(':', 1)[1]}/healthz", "events": EVENTS},
            headers=live.actors["cards:read"],
        )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "url"


def test_a_public_target_is_accepted_from_a_cards_read_key(live: Live) -> None:
    """The control: the rules above refuse addresses, not everything."""
    with live.client() as http:
        r = http.post(
            "/api/v1/webhooks",
            json={"url": "https://93.184.215.14/hook", "events": EVENTS},
            headers=live.actors["cards:read"],
        )
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("caller", ["stats:read", "bot", "admin", "officer"])
def test_only_keys_that_read_cards_own_webhooks(live: Live, caller: str) -> None:
    with live.client() as http:
        r = http.post(
            "/api/v1/webhooks",
            json={"url": "https://93.184.215.14/hook", "events": EVENTS},
            headers=live.actors[caller],
        )
        assert r.status_code == 403, r.text
        # Refused before the service resolves anything for the caller.
        r = http.post(
            "/api/v1/webhooks",
            json={"url": "https://metadata.google.internal/", "events": EVENTS},
            headers=live.actors[caller],
        )
        assert r.status_code == 403, r.text


# ----------------------------------------------------------- with receivers on loopback


@pytest.fixture(scope="module")
def live_private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A served API that lets webhooks reach loopback (the explicit test-only setting)."""
    yield from start_live(
        tmp_path_factory, extra_env={"ONBOARD_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true"}
    )


def _new_key(live: Live, scope: str) -> tuple[str, dict[str, str]]:
    with live.client() as http:
        r = http.post(
            "/api/v1/api-keys",
            json={"name": f"integrator {scope}", "scopes": [scope]},
            headers=live.actors["admin"],
        )
    assert r.status_code == 201, r.text
    return r.json()["id"], {"X-API-Key": r.json()["key"]}


def _register(live: Live, key: dict[str, str], url: str) -> str:
    with live.client() as http:
        r = http.post("/api/v1/webhooks", json={"url": url, "events": EVENTS}, headers=key)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _new_card(live: Live) -> str:
    with live.client() as http:
        r = http.post("/api/v1/cards", json=card_payload(), headers=live.actors["cards:write"])
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _drain(worker: Worker, until: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not until():
        assert time.monotonic() < deadline, "worker did not finish in time"
        worker.fan_out()
        worker.deliver_due()
        time.sleep(0.05)


def _card_ids(hook: Receiver) -> set[str]:
    import json

    return {json.loads(body)["data"]["card_id"] for _, body in hook.calls}


def test_revoked_keys_endpoints_receive_nothing(live_private: Live) -> None:
    live = live_private
    control_hook, api_hook, cli_hook = Receiver(), Receiver(), Receiver()
    engine = make_engine(live.database_url)
    try:
        _, control_key = _new_key(live, "cards:read")
        api_key_id, api_key = _new_key(live, "cards:write")
        cli_key_id, cli_key = _new_key(live, "cards:read")
        _register(live, control_key, control_hook.url)
        api_endpoint = _register(live, api_key, api_hook.url)
        cli_endpoint = _register(live, cli_key, cli_hook.url)
        worker = Worker(engine, WorkerSettings(backoff_seconds=0.05, allow_private_targets=True))

        first = _new_card(live)
        _drain(worker, lambda: first in _card_ids(cli_hook) and first in _card_ids(api_hook))

        # Revoked through the API before the next event is fanned out.
        with live.client() as http:
            assert (
                http.delete(f"/api/v1/api-keys/{api_key_id}", headers=live.actors["admin"])
            ).status_code == 200
            # The key is dead: its owner cannot list (or re-enable) anything.
            assert http.get("/api/v1/webhooks", headers=api_key).status_code == 401
        second = _new_card(live)
        worker.fan_out()  # deliveries created for the endpoints still live
        # Revoked with the CLI while a delivery to its endpoint is pending.
        env = {"ONBOARD_DATABASE_URL": live.database_url, "ONBOARD_DATA_DIR": str(live.data_dir)}
        subprocess.run(
            [sys.executable, "-m", "service.cli", "api-keys", "revoke", cli_key_id],
            env={**_base_env(), **env},
            check=True,
            capture_output=True,
            timeout=60,
        )
        _drain(worker, lambda: second in _card_ids(control_hook))
        for _ in range(3):  # a few more cycles: nothing else may go out
            worker.fan_out()
            worker.deliver_due()
        assert _card_ids(api_hook) == {first}
        assert _card_ids(cli_hook) == {first}

        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, active, disabled_reason FROM webhook_endpoint")
            ).all()
        state = {str(r.id).replace("-", ""): (bool(r.active), r.disabled_reason) for r in rows}
        assert state[api_endpoint.replace("-", "")] == (False, "key-revoked")
        assert state[cli_endpoint.replace("-", "")] == (False, "key-revoked")
        with live.client() as http:
            dead = http.get(
                "/api/v1/webhook-deliveries",
                params={"status": "dead"},
                headers=live.actors["admin"],
            ).json()["items"]
        stopped = [
            d for d in dead if d["endpoint_id"].replace("-", "") == cli_endpoint.replace("-", "")
        ]
        assert [d["last_error"] for d in stopped] == ["API key revoked"]
        assert [d["attempts"] for d in stopped] == [1]  # settled without a request
    finally:
        engine.dispose()
        for hook in (control_hook, api_hook, cli_hook):
            hook.close()


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("ONBOARD_")}


class Listener:
    """A TCP port on loopback that only counts who connects to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def test_delivery_rechecks_the_target_and_sends_nothing_to_a_private_address(
    live_private: Live,
) -> None:
    """Registered while the name was allowed (here: by the test-only setting; in life: by a
    DNS answer that later changed); the worker of a normal deployment refuses it."""
    name = _loopback_name()
    if name is None:
        pytest.skip("this machine's host name does not resolve to loopback")
    live = live_private
    listener = Listener()
    engine = make_engine(live.database_url)
    try:
        _, key = _new_key(live, "cards:read")
        endpoint = _register(live, key, f"https://{name}:{listener.port}/hook")
        card = _new_card(live)
        strict = Worker(engine, WorkerSettings(backoff_seconds=0.05))  # allow_private off

        def mine() -> list[dict[str, object]]:
            with live.client() as http:
                items = http.get(
                    "/api/v1/webhook-deliveries",
                    params={"status": "pending"},
                    headers=live.actors["admin"],
                ).json()["items"]
            return [
                d
                for d in items
                if d["endpoint_id"].replace("-", "") == endpoint.replace("-", "")
                and d["attempts"] >= 1
            ]

        _drain(strict, lambda: bool(mine()))
        [delivery] = mine()
        assert delivery["last_error"] == "target refused: must resolve only to public addresses"
        assert listener.connections == 0
        assert card  # the event was real

        # The control: the permissive worker does connect there (so the listener works).
        lax = Worker(engine, WorkerSettings(backoff_seconds=0.01, allow_private_targets=True))
        with engine.begin() as conn:  # due now, not after the backoff
            conn.execute(
                update(WebhookDelivery).values(next_attempt_at=datetime(2000, 1, 1, tzinfo=UTC))
            )
        _drain(lax, lambda: listener.connections > 0)
    finally:
        engine.dispose()
        listener.close()


def test_the_worker_does_not_log_webhook_urls(live_private: Live) -> None:
    """httpx logs each request's full URL at INFO; `onboard worker` must not pass it on."""
    live = live_private
    hook = Receiver()
    try:
        _, key = _new_key(live, "cards:read")
        _register(live, key, hook.url + "?token=s3cr3t-in-query")
        card = _new_card(live)
        env = {
            **_base_env(),
            "ONBOARD_DATABASE_URL": live.database_url,
            "ONBOARD_DATA_DIR": str(live.data_dir),
            "ONBOARD_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
            "ONBOARD_LOG_LEVEL": "DEBUG",
        }
        done = subprocess.run(
            [sys.executable, "-m", "service.cli", "worker", "--once"],
            env=env,
            capture_output=True,
            timeout=120,
            check=True,
        )
        assert card in _card_ids(hook)  # it did deliver
        output = (done.stdout + done.stderr).decode(errors="replace")
        assert "s3cr3t-in-query" not in output
        assert hook.url.split("//", 1)[1] not in output
    finally:
        hook.close()
