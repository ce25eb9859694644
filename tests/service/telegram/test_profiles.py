"""Telegram profiles: language kept in the service, consent before registration."""

from __future__ import annotations

from tests.factories import card_payload


def test_bot_needs_recorded_consent_before_registering(client, actors) -> None:
    body = card_payload(telegram_user_id=777)
    bot = actors.bot_for(777)
    r = client.post("/api/v1/cards", json=body, headers=bot)
    assert r.status_code == 409 and r.json()["reason"] == "consent-required"
    # Leaving the Telegram id out does not skip consent: the card is the acting user's.
    r = client.post("/api/v1/cards", json=card_payload(), headers=bot)
    assert r.status_code == 409 and r.json()["reason"] == "consent-required"
    assert client.get("/api/v1/telegram-users/777", headers=bot).status_code == 404
    r = client.post(
        "/api/v1/telegram-users/777/consent",
        json={"notice_version": "2026-11", "language": "uz"},
        headers=bot,
    )
    assert r.status_code == 200
    profile = r.json()
    assert profile["consent_version"] == "2026-11" and profile["consent_given_at"]
    assert profile["consent_language"] == "uz"
    created = client.post("/api/v1/cards", json=body, headers=bot)
    assert created.status_code == 201 and created.json()["telegram_user_id"] == 777
    # Integrators other than the bot register on their own legal basis, but only the bot
    # links a card to a Telegram account.
    assert (
        client.post("/api/v1/cards", json=card_payload(), headers=actors["cards:write"]).status_code
        == 201
    )
    linked = client.post(
        "/api/v1/cards", json=card_payload(telegram_user_id=778), headers=actors["cards:write"]
    )
    assert linked.status_code == 403


def test_language_change_reaches_the_persons_of_the_account(client, actors) -> None:
    bot = actors.bot_for(555)
    client.post(
        "/api/v1/telegram-users/555/consent",
        json={"notice_version": "v1", "language": "ru"},
        headers=bot,
    )
    mother = client.post(
        "/api/v1/cards",
        json=card_payload(telegram_user_id=555, language="ru"),
        headers=bot,
    ).json()
    son = client.post(
        "/api/v1/cards",
        json=card_payload(telegram_user_id=555, language="ru", **{"holder.given_names": "Азиз"}),
        headers=bot,
    ).json()
    r = client.put("/api/v1/telegram-users/555", json={"language": "tg"}, headers=bot)
    assert r.status_code == 200 and r.json()["language"] == "tg"
    for card in (mother, son):
        person = client.get(f"/api/v1/persons/{card['person_id']}", headers=actors["admin"]).json()
        assert person["language"] == "tg"
    assert (
        client.put("/api/v1/telegram-users/555", json={"language": "fr"}, headers=bot).status_code
        == 422
    )
    assert client.get("/api/v1/telegram-users/555", headers=actors["officer"]).status_code == 403


def test_the_account_holder_is_one_of_the_accounts_persons(client, actors) -> None:
    client.post(
        "/api/v1/telegram-users/556/consent",
        json={"notice_version": "v1", "language": "uz"},
        headers=actors.bot_for(556),
    )
    own = client.post(
        "/api/v1/cards", json=card_payload(telegram_user_id=556), headers=actors.bot_for(556)
    ).json()
    stranger = client.post(
        "/api/v1/cards", json=card_payload(), headers=actors["cards:write"]
    ).json()
    profile = client.get("/api/v1/telegram-users/556", headers=actors.bot_for(556)).json()
    assert profile["self_person_id"] is None
    # Another account's person cannot be declared "me".
    r = client.put(
        "/api/v1/telegram-users/556",
        json={"self_person_id": stranger["person_id"]},
        headers=actors.bot_for(556),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "self_person_id"
    assert (
        client.get("/api/v1/telegram-users/556", headers=actors.bot_for(556)).json()[
            "self_person_id"
        ]
        is None
    )
    r = client.put(
        "/api/v1/telegram-users/556",
        json={"self_person_id": own["person_id"]},
        headers=actors.bot_for(556),
    )
    assert r.status_code == 200 and r.json()["self_person_id"] == own["person_id"]
