"""Least privilege, replayed against a served API: the bot key is one Telegram user at a
time, officers find one card and see what a check needs, only the bot links Telegram
accounts, and every route of the app declares its rule (the README's table is that rule)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.api import access_table
from service.core.config import Settings
from service.main import create_app
from tests.factories import card_payload
from tests.security.harness import Live

ROOT = Path(__file__).resolve().parents[2]
ALICE, MALLORY = 710_000_001, 710_000_002


@pytest.fixture(scope="module")
def world(live: Live) -> dict[str, dict]:  # type: ignore[type-arg]
    """Alice's card (registered through the bot), Mallory's, and one an integrator made."""
    with live.client() as http:
        made: dict[str, dict] = {}  # type: ignore[type-arg]
        for name, user in (("alice", ALICE), ("mallory", MALLORY)):
            bot = live.actors.bot_for(user)
            consent = {"notice_version": "v1", "language": "ru"}
            r = http.post(f"/api/v1/telegram-users/{user}/consent", json=consent, headers=bot)
            assert r.status_code == 200, r.text
            r = http.post("/api/v1/cards", json=card_payload(), headers=bot)
            assert r.status_code == 201, r.text
            made[name] = r.json()
        r = http.post("/api/v1/cards", json=card_payload(), headers=live.actors["cards:write"])
        assert r.status_code == 201, r.text
        made["integrator"] = r.json()
        return made


def test_the_bot_key_reaches_only_the_acting_users_objects(live: Live, world) -> None:  # type: ignore[no-untyped-def]
    mallory = live.actors.bot_for(MALLORY)
    alice_card, other = world["alice"], world["integrator"]
    with live.client() as http:
        for card in (alice_card, other):
            cid, pid = card["id"], card["person_id"]
            for path in (
                f"/api/v1/cards/{cid}",
                f"/api/v1/cards/{cid}/events",
                f"/api/v1/cards/{cid}/proof",
                f"/api/v1/cards/{cid}/proof.png",
                f"/api/v1/cards/{cid}/print",
                f"/api/v1/cards/{cid}/checklist",
                f"/api/v1/persons/{pid}",
                f"/api/v1/persons/{pid}/course",
            ):
                r = http.get(path, headers=mallory)
                assert r.status_code == 404, (path, r.status_code)
                assert r.headers["content-type"].startswith("application/problem+json")
                assert card["holder"]["document"]["number"] not in r.text
            r = http.put(f"/api/v1/cards/{cid}/reminders", json={"muted": True}, headers=mallory)
            assert r.status_code == 404
            r = http.post(
                f"/api/v1/persons/{pid}/course/modules/arriving-legally/attempts",
                json={"answers": [0, 0, 0, 0, 0]},
                headers=mallory,
            )
            assert r.status_code == 404
            r = http.post(
                f"/api/v1/cards/{cid}/checklist/migration-registration/done",
                json={"evidence": "forged"},
                headers=mallory,
            )
            assert r.status_code == 404
            # A card named in the query is checked like one in the path.
            r = http.get("/api/v1/course", params={"card_id": cid}, headers=mallory)
            assert r.status_code == 404
            r = http.post(
                f"/api/v1/cards/{cid}/permits",
                json={"kind": "patent", "issued_on": "2026-11-20", "paid_until": "2026-12-19"},
                headers=mallory,
            )
            assert r.status_code == 404
        assert http.get(f"/api/v1/telegram-users/{ALICE}", headers=mallory).status_code == 404
        r = http.put(f"/api/v1/telegram-users/{ALICE}", json={"language": "en"}, headers=mallory)
        assert r.status_code == 404
        # Listing: only Mallory's own card, whatever the query asks for.
        for params in ({}, {"telegram_user_id": ALICE}, {"number": alice_card["number"]}):
            listed = http.get("/api/v1/cards", params=params, headers=mallory).json()["items"]
            assert {c["id"] for c in listed} <= {world["mallory"]["id"]}, params
        # Alice's own requests still work, and nothing of hers was changed.
        alice = live.actors.bot_for(ALICE)
        checklist = http.get(f"/api/v1/cards/{alice_card['id']}/checklist", headers=alice)
        assert checklist.status_code == 200 and checklist.json()["reminders_muted"] is False
        assert http.get(f"/api/v1/cards/{alice_card['id']}/proof", headers=alice).status_code == 200


def test_the_bot_key_without_an_acting_user_is_refused(live: Live, world) -> None:  # type: ignore[no-untyped-def]
    bot = live.actors["bot"]
    cid = world["alice"]["id"]
    with live.client() as http:
        for path in ("/api/v1/cards", f"/api/v1/cards/{cid}", f"/api/v1/cards/{cid}/proof"):
            assert http.get(path, headers=bot).status_code == 403, path
        # The whole-bot reminder feed needs no user.
        assert http.post("/api/v1/reminders/claim", headers=bot).status_code == 200
        # A malformed acting user is a validation error, not a pass.
        bad = {**bot, "X-Telegram-User-Id": "1 OR 1=1"}
        assert http.get("/api/v1/cards", headers=bad).status_code == 422


def test_only_the_bot_links_telegram_accounts_and_only_with_consent(live: Live) -> None:
    with live.client() as http:
        for who in ("cards:write", "admin"):
            r = http.post(
                "/api/v1/cards",
                json=card_payload(telegram_user_id=ALICE),
                headers=live.actors[who],
            )
            assert r.status_code == 403, who
        stranger = live.actors.bot_for(710_000_099)  # never agreed to the notice
        for body in (card_payload(), card_payload(telegram_user_id=710_000_099)):
            r = http.post("/api/v1/cards", json=body, headers=stranger)
            assert r.status_code == 409 and r.json()["reason"] == "consent-required"
        # The bot cannot link a card to somebody other than the user it acts for.
        r = http.post(
            "/api/v1/cards",
            json=card_payload(telegram_user_id=ALICE),
            headers=live.actors.bot_for(MALLORY),
        )
        assert r.status_code == 403


def test_officers_find_one_card_and_see_what_a_check_needs(live: Live, world) -> None:  # type: ignore[no-untyped-def]
    card = world["alice"]
    with live.client() as http:
        for who in ("officer", "border"):
            staff = live.actors[who]
            r = http.get("/api/v1/cards", headers=staff)
            assert r.status_code == 422
            assert {e["field"] for e in r.json()["errors"]} == {"number", "document_number"}
            assert http.get("/api/v1/cards?status=active", headers=staff).status_code == 422
            by_number = http.get("/api/v1/cards", params={"number": card["number"]}, headers=staff)
            doc = card["holder"]["document"]["number"]
            by_doc = http.get("/api/v1/cards", params={"document_number": doc}, headers=staff)
            for found in (by_number.json()["items"], by_doc.json()["items"]):
                assert [c["id"] for c in found] == [card["id"]]
                assert found[0]["telegram_user_id"] is None and found[0]["host"] is None
            one = http.get(f"/api/v1/cards/{card['id']}", headers=staff).json()
            assert one["telegram_user_id"] is None and one["host"] is None
        admin = http.get(f"/api/v1/cards/{card['id']}", headers=live.actors["admin"]).json()
        assert admin["telegram_user_id"] == ALICE and admin["host"]["name"]


def _app(tmp_path: Path):  # type: ignore[no-untyped-def]
    return create_app(Settings(env="development", data_dir=tmp_path, secret_key="x" * 40))


def test_every_route_declares_its_rule_and_the_readme_shows_them(tmp_path: Path) -> None:
    app = _app(tmp_path)
    rules = access_table.route_rules(app)  # raises for a route without exactly one rule
    assert len(rules) > 40
    readme = (ROOT / "README.md").read_text()
    match = re.search(
        re.escape(access_table.BEGIN) + r"\n(.*?)\n" + re.escape(access_table.END), readme, re.S
    )
    assert match, "README.md lacks the access table markers"
    assert match.group(1).strip() == access_table.markdown(rules).strip(), (
        "README's access table differs from the routes: run python -m service.api.access_table"
    )


def test_a_route_without_a_rule_fails_the_check(tmp_path: Path) -> None:
    from fastapi import APIRouter

    app = _app(tmp_path)
    stray = APIRouter()

    @stray.get("/api/v1/undeclared")
    async def undeclared() -> dict[str, str]:
        return {}

    app.include_router(stray)
    with pytest.raises(access_table.UndeclaredRoute):
        access_table.route_rules(app)
