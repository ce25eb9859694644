"""A verification held open: its caller is checked when its body has come in, not when its
headers did, so an account disabled meanwhile is refused past the bound the README states
("Verification without the database": at most ONBOARD_AUTH_CACHE_SECONDS after the change),
however slowly the body is sent."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from service.accounts.models import User
from service.core.db import make_engine
from tests.factories import card_payload
from tests.security.harness import Live, start_live

_BOUND = 2.0  # seconds a caller is remembered on this server


@pytest.fixture(scope="module")
def short_memory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from start_live(tmp_path_factory, extra_env={"ONBOARD_AUTH_CACHE_SECONDS": str(_BOUND)})


def test_an_account_disabled_while_its_request_is_held_open_is_refused(
    short_memory: Live,
) -> None:
    live = short_memory
    officer = live.actors["officer"]  # one token: the cache remembers the token
    with live.client() as http:
        admin, reader = live.actors["admin"], live.actors["cards:read"]
        card = http.post("/api/v1/cards", json=card_payload(), headers=admin).json()
        payload = http.get(f"/api/v1/cards/{card['id']}/proof", headers=reader).json()["payload"]
        remembered = http.post("/api/v1/verify", json={"payload": payload}, headers=officer)
        assert remembered.status_code == 200  # the officer is now remembered
    body = json.dumps({"payload": payload}).encode()
    head = (
        "POST /api/v1/verify HTTP/1.1\r\nHost: onboard\r\nConnection: close\r\n"
        f"Authorization: {officer['Authorization']}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    url = urlsplit(live.url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as held:
        held.sendall(head + body[:10])  # the headers while the officer is remembered
        time.sleep(0.3)
        engine = make_engine(live.database_url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    update(User)
                    .where(User.id == live.actors.users["officer"])
                    .values(is_active=False)
                )
        finally:
            engine.dispose()
        time.sleep(_BOUND + 0.5)  # past the bound
        held.sendall(body[10:])
        answer = held.recv(65536)
    assert answer.startswith(b"HTTP/1.1 401 "), answer[:300]
