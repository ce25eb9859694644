"""Log-in, access tokens, API keys and who may do what."""

from __future__ import annotations

import time
import uuid

import pytest
from jose import jwt
from sqlmodel import Session, select

from service.accounts import service as accounts
from service.accounts.models import ApiKey, Role
from tests.factories import TOKEN_SECRET, card_payload, consented_bot


@pytest.fixture
def officer(engine):  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        user = accounts.create_user(
            session=s, username="Olga", password="a long password 1", role=Role.officer
        )
        s.commit()
        return user


def _login(client, username, password):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_login_returns_short_lived_bearer_token(client, officer) -> None:
    r = _login(client, "olga", "a long password 1")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    claims = jwt.get_unverified_claims(body["access_token"])
    assert (
        claims["aud"] == "onboard-api" and claims["typ"] == "access" and claims["role"] == "officer"
    )
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["name"] == "olga" and me.json()["role"] == "officer"


def test_wrong_password_and_unknown_user_look_the_same(client, officer) -> None:
    a = _login(client, "olga", "wrong password!!")
    b = _login(client, "nobody", "wrong password!!")
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json() and a.headers["www-authenticate"] == "Bearer"


def test_failed_logins_are_rate_limited(client, officer) -> None:
    for _ in range(5):
        assert _login(client, "olga", "nope nope nope").status_code == 401
    r = _login(client, "olga", "a long password 1")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert r.headers["content-type"] == "application/problem+json"


def _forge(claims_override=None, headers=None, secret=TOKEN_SECRET, algorithm="HS256"):  # type: ignore[no-untyped-def]
    now = int(time.time())
    claims = {
        "iss": "onboard",
        "aud": "onboard-api",
        "sub": str(uuid.uuid4()),
        "role": "admin",
        "typ": "access",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(claims_override or {})
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, secret, algorithm=algorithm, headers=headers or {"typ": "at+jwt"})


@pytest.mark.parametrize(
    "token_kind",
    [
        "wrong_aud",
        "wrong_typ_claim",
        "wrong_typ_header",
        "expired",
        "wrong_secret",
        "alg_none",
        "hs512",
        "garbage",
        "unknown_user",
    ],
)
def test_bad_tokens_are_refused(client, actors, token_kind) -> None:
    admin_id = str(actors.users["admin"])
    tokens = {
        "wrong_aud": _forge({"aud": "other", "sub": admin_id}),
        "wrong_typ_claim": _forge({"typ": "refresh", "sub": admin_id}),
        "wrong_typ_header": _forge({"sub": admin_id}, headers={"typ": "JWT"}),
        "expired": _forge({"exp": int(time.time()) - 5, "sub": admin_id}),
        "no_exp": _forge({"exp": None, "sub": admin_id}),
        "issued_in_future": _forge({"iat": int(time.time()) + 3600, "sub": admin_id}),
        "wrong_secret": _forge({"sub": admin_id}, secret="y" * 40),
        "hs512": _forge({"sub": admin_id}, algorithm="HS512"),
        "garbage": "not.a.token",
        "unknown_user": _forge(),
    }
    if token_kind == "alg_none":
        import base64
        import json

        def b64(d):  # type: ignore[no-untyped-def]
            return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

        now = int(time.time())
        tokens["alg_none"] = (
            b64({"alg": "none", "typ": "at+jwt"})
            + "."
            + b64(
                {
                    "iss": "onboard",
                    "aud": "onboard-api",
                    "sub": admin_id,
                    "role": "admin",
                    "typ": "access",
                    "iat": now,
                    "exp": now + 600,
                }
            )
            + "."
        )
    r = client.get("/api/v1/cards", headers={"Authorization": f"Bearer {tokens[token_kind]}"})
    assert r.status_code == 401, token_kind


def test_disabled_user_token_stops_working(client, actors) -> None:
    hdr = actors["officer"]
    lookup = "/api/v1/cards?document_number=FA0000001"
    assert client.get(lookup, headers=hdr).status_code == 200
    r = client.post(f"/api/v1/users/{actors.users['officer']}/disable", headers=actors["admin"])
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert client.get(lookup, headers=hdr).status_code == 401


def test_api_key_shown_once_stored_as_hash_and_revocable(client, actors, session) -> None:
    r = client.post(
        "/api/v1/api-keys",
        json={"name": "ministry", "scopes": ["cards:read"]},
        headers=actors["admin"],
    )
    assert r.status_code == 201
    key = r.json()["key"]
    listed = client.get("/api/v1/api-keys", headers=actors["admin"]).json()
    assert all("key" not in k for k in listed) and key not in str(listed)
    row = session.exec(select(ApiKey).where(ApiKey.name == "ministry")).one()
    assert key not in row.key_hash and len(row.key_hash) == 64
    assert client.get("/api/v1/cards", headers={"X-API-Key": key}).status_code == 200
    assert client.delete(f"/api/v1/api-keys/{row.id}", headers=actors["admin"]).status_code == 200
    assert client.get("/api/v1/cards", headers={"X-API-Key": key}).status_code == 401
    assert client.get("/api/v1/cards", headers={"X-API-Key": key[:-1] + "x"}).status_code == 401
    assert client.get("/api/v1/cards", headers={"X-API-Key": "obk_short"}).status_code == 401


def test_no_credentials_is_401(client) -> None:
    r = client.get("/api/v1/cards")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


# Who may do what: (action, allowed) for every role and scope.
_MATRIX = {
    "create": {"admin", "cards:write", "bot"},
    "read": {"admin", "officer", "border", "cards:read", "cards:write", "bot"},
    "entry": {"admin", "border"},
    "extend": {"admin", "cards:write"},
    "revoke": {"admin"},
    "users": {"admin"},
}
_ALL = ["admin", "border", "officer", "analyst", "cards:read", "cards:write", "bot", "stats:read"]


@pytest.mark.parametrize("who", _ALL)
def test_access_matrix(client, actors, who) -> None:
    # The bot acts for one Telegram user, on that user's own card (tests/security covers the
    # rest of the bot's limits).
    hdr = consented_bot(client, actors, 31337) if who == "bot" else actors[who]
    maker = hdr if who == "bot" else actors["admin"]
    seed = client.post("/api/v1/cards", json=card_payload(), headers=maker).json()
    cid = seed["id"]
    client.post(
        f"/api/v1/cards/{cid}/entry", json={"crossing_point": "SVO"}, headers=actors["admin"]
    )
    calls = {
        "create": lambda: client.post("/api/v1/cards", json=card_payload(), headers=hdr),
        "read": lambda: client.get(f"/api/v1/cards/{cid}", headers=hdr),
        "entry": lambda: client.post(
            f"/api/v1/cards/{cid}/exit", json={"crossing_point": "SVO"}, headers=hdr
        ),
        "extend": lambda: client.post(
            f"/api/v1/cards/{cid}/extend",
            json={"stay_until": "2099-01-01", "basis": "patent"},
            headers=hdr,
        ),
        "revoke": lambda: client.post(
            f"/api/v1/cards/{cid}/revoke", json={"reason": "test reason"}, headers=hdr
        ),
        "users": lambda: client.get("/api/v1/users", headers=hdr),
    }
    for action in ["read", "create", "users", "extend", "revoke", "entry"]:
        r = calls[action]()
        if who in _MATRIX[action]:
            assert r.status_code in (200, 201, 409), (who, action, r.text)
        else:
            assert r.status_code == 403, (who, action, r.status_code)
            assert r.headers["content-type"] == "application/problem+json"
