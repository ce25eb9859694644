"""`onboard serve` as a newcomer runs it, then a card's whole life over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.e2e.server import serve
from tests.factories import card_payload


def test_lifecycle_over_real_http(tmp_path: Path) -> None:
    with serve(tmp_path / "data") as server:
        assert server.admin_password, "first start must print the admin's one-time password"
        with httpx.Client(base_url=server.url, timeout=10) as http:
            r = http.post(
                "/api/v1/auth/token", data={"username": "admin", "password": server.admin_password}
            )
            assert r.status_code == 200, r.text
            auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
            body = card_payload()
            card = http.post("/api/v1/cards", json=body, headers=auth).json()
            assert card["status"] == "pending_entry"
            cid = card["id"]
            assert (
                http.post(
                    f"/api/v1/cards/{cid}/entry",
                    json={"crossing_point": "Chelyabinsk road"},
                    headers=auth,
                ).json()["status"]
                == "active"
            )
            ext = http.post(
                f"/api/v1/cards/{cid}/extend",
                json={"stay_until": "2099-12-31", "basis": "patent"},
                headers=auth,
            )
            assert ext.json()["stay_until"] == "2099-12-31"
            assert (
                http.post(
                    f"/api/v1/cards/{cid}/exit",
                    json={"crossing_point": "Chelyabinsk road"},
                    headers=auth,
                ).json()["status"]
                == "closed"
            )
            again = http.post(
                f"/api/v1/cards/{cid}/exit", json={"crossing_point": "x"}, headers=auth
            )
            assert (
                again.status_code == 409
                and again.headers["content-type"] == "application/problem+json"
            )
            kinds = [
                e["kind"]
                for e in http.get(f"/api/v1/cards/{cid}/events", headers=auth).json()["items"]
            ]
            assert kinds == ["created", "entry", "extended", "exit"]
            http.get(
                "/api/v1/cards",
                params={"document_number": body["holder"]["document"]["number"]},
                headers=auth,
            )
            assert http.get("/docs").status_code == 200
            assert "/api/v1/cards" in http.get("/openapi.json").json()["paths"]

        log = server.log()
        access = [json.loads(line) for line in log.splitlines() if '"onboard.access"' in line]
        assert len(access) >= 8 and all("request_id" in a for a in access)
        for personal in (
            body["holder"]["document"]["number"],
            "Каримов",
            "KARIMOV",
            "Ленина",
            server.admin_password,
        ):
            assert personal not in log.replace(f"password: {server.admin_password}", ""), personal


def test_second_start_creates_no_new_admin(tmp_path: Path) -> None:
    with serve(tmp_path / "data") as first:
        assert first.admin_password
    with serve(tmp_path / "data") as second:
        assert second.admin_password is None
        r = httpx.post(
            second.url + "/api/v1/auth/token",
            data={"username": "admin", "password": first.admin_password},
        )
        assert r.status_code == 200
