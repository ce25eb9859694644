"""Trust data from memory: the status list's cache headers, verification's as-of time and
caller cache, each through the ASGI app over HTTP with the real database."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import update

from service.accounts.models import User
from service.main import create_app
from service.proofs import statuslist
from tests.factories import card_payload
from tests.harness import short_cache_settings


def _bits(body: str) -> bytes:
    claims = body.split(".")[1]
    return statuslist.decode_list(json.loads(base64.urlsafe_b64decode(claims + "==")))


def test_status_list_is_cached_with_etag_and_follows_a_revocation(client, actors) -> None:
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    first = client.get("/api/v1/status-list")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=300"  # the list's ttl
    assert json.loads(base64.urlsafe_b64decode(first.text.split(".")[1] + "=="))["ttl"] == 300
    assert statuslist.get_status(_bits(first.text), card["serial"]) == statuslist.VALID

    same = client.get("/api/v1/status-list")
    assert same.text == first.text  # served from memory, not signed again
    unchanged = client.get("/api/v1/status-list", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag

    r = client.post(
        f"/api/v1/cards/{card['id']}/revoke", json={"reason": "forged"}, headers=actors["admin"]
    )
    assert r.status_code == 200, r.text
    # This process applies its own commits at once; other workers within a poll (see e2e).
    after = client.get("/api/v1/status-list", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert statuslist.get_status(_bits(after.text), card["serial"]) == statuslist.REVOKED


def test_if_none_match_takes_lists_weak_tags_and_a_star(client) -> None:
    etag = client.get("/api/v1/status-list").headers["etag"]
    for header in (etag, f'"other", W/{etag}', f"W/{etag}", "*", f' "x" ,{etag} '):
        r = client.get("/api/v1/status-list", headers={"If-None-Match": header})
        assert r.status_code == 304 and r.content == b"", header
        assert r.headers["etag"] == etag
    for header in ('"other"', etag.strip('"'), "", 'W/"other"'):
        r = client.get("/api/v1/status-list", headers={"If-None-Match": header})
        assert r.status_code == 200 and r.headers["etag"] == etag, header


def test_verification_says_as_of_when_the_status_was_known(client, actors) -> None:
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    payload = client.get(f"/api/v1/cards/{card['id']}/proof", headers=actors["cards:read"]).json()[
        "payload"
    ]
    body = client.post(
        "/api/v1/verify", json={"payload": payload}, headers=actors["officer"]
    ).json()
    assert body["verdict"] == "pending_entry"
    as_of = datetime.fromisoformat(body["status_as_of"])
    checked = datetime.fromisoformat(body["checked_at"])
    assert as_of <= checked and (checked - as_of).total_seconds() < 60
    client.post(
        f"/api/v1/cards/{card['id']}/revoke", json={"reason": "forged"}, headers=actors["admin"]
    )
    again = client.post(
        "/api/v1/verify", json={"payload": payload}, headers=actors["officer"]
    ).json()
    assert again["verdict"] == "revoked" and again["card"]["status_now"] == "revoked"
    assert datetime.fromisoformat(again["status_as_of"]) >= as_of


def test_a_disabled_account_stops_verifying_within_the_cache_bound(
    tmp_path, db_url, engine, actors
) -> None:
    settings = short_cache_settings(tmp_path, db_url)
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as client:
        card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
        payload = client.get(
            f"/api/v1/cards/{card['id']}/proof", headers=actors["cards:read"]
        ).json()["payload"]

        def check() -> int:
            return client.post(
                "/api/v1/verify", json={"payload": payload}, headers=actors["officer"]
            ).status_code

        assert check() == 200  # now remembered for 0.5 s
        with engine.begin() as conn:
            conn.execute(
                update(User).where(User.id == actors.users["officer"]).values(is_active=False)
            )
        disabled_at = time.monotonic()
        codes = []
        while time.monotonic() - disabled_at < 5 and (not codes or codes[-1] != 401):
            codes.append(check())
            time.sleep(0.05)
        assert codes[-1] == 401, codes
        # Never accepted past the bound (with room for one slow request on a busy machine).
        assert time.monotonic() - disabled_at < 0.5 + 2.0
        assert all(c in (200, 401) for c in codes)


def test_a_remembered_token_still_expires(client, actors, fixed_clock) -> None:
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    payload = client.get(f"/api/v1/cards/{card['id']}/proof", headers=actors["cards:read"]).json()[
        "payload"
    ]
    officer = actors["officer"]
    ok = client.post("/api/v1/verify", json={"payload": payload}, headers=officer)
    assert ok.status_code == 200  # now in the cache
    fixed_clock.advance(minutes=16)  # access tokens live 15 minutes
    late = client.post("/api/v1/verify", json={"payload": payload}, headers=officer)
    assert late.status_code == 401, late.text


def test_a_stay_ends_at_midnight_in_moscow_without_an_event(client, actors, fixed_clock) -> None:
    fixed_clock.current = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    until = date(2026, 6, 11)
    body = card_payload(**{"planned_stay.until": until.isoformat()})
    card = client.post("/api/v1/cards", json=body, headers=actors["admin"]).json()
    r = client.post(
        f"/api/v1/cards/{card['id']}/entry", json={"crossing_point": "SVO"}, headers=actors["admin"]
    )
    assert r.status_code == 200, r.text
    payload = client.get(f"/api/v1/cards/{card['id']}/proof", headers=actors["cards:read"]).json()[
        "payload"
    ]

    def verdicts() -> tuple[str, str, str]:
        by_proof = client.post(
            "/api/v1/verify", json={"payload": payload}, headers=actors["officer"]
        ).json()
        by_number = client.post(
            "/api/v1/verify", json={"number": card["number"]}, headers=actors["officer"]
        ).json()
        return by_proof["verdict"], by_proof["card"]["status_now"], by_number["verdict"]

    fixed_clock.current = datetime(2026, 6, 11, 20, 59, 59, tzinfo=UTC)  # 23:59:59 in Moscow
    assert verdicts() == ("valid", "active", "valid")
    fixed_clock.current = datetime(2026, 6, 11, 21, 0, 1, tzinfo=UTC)  # 00:00:01 on the 12th
    assert verdicts() == ("expired", "expired", "expired")
    listed = client.get("/api/v1/status-list")
    # Expiry is in the proof's own dates, not in the list (statuslist.py): still 0.
    assert statuslist.get_status(_bits(listed.text), card["serial"]) == statuslist.VALID
