"""Test data builders. They go through the real service functions, never around them."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.accounts import service as accounts
from service.accounts.models import Role, Scope, User
from service.core import clock
from service.core.security import passwords, tokens

_counter = itertools.count(1)
TOKEN_SECRET = "x" * 40


def document_number() -> str:
    return f"FA{random.randrange(10**7):07d}{next(_counter)}"


def card_payload(**overrides: Any) -> dict[str, Any]:
    """A valid POST /cards body; nested keys can be overridden with dotted names."""
    today = clock.today()
    body: dict[str, Any] = {
        "holder": {
            "surname": "Каримов",
            "given_names": "Шухрат",
            "date_of_birth": "1990-05-01",
            "sex": "M",
            "citizenship": "UZB",
            "document": {"type": "passport", "number": document_number()},
        },
        "purpose": "work",
        "planned_stay": {
            "from": today.isoformat(),
            "until": (today + timedelta(days=90)).isoformat(),
        },
        "host": {
            "kind": "organisation",
            "name": "ООО «Стройка»",
            "address": "Москва, ул. Ленина, 1",
        },
        "region": "RU-MOW",
        "occupation": "builder",
        "language": "uz",
    }
    for dotted, value in overrides.items():
        target = body
        *path, last = dotted.split(".")
        for part in path:
            target = target[part]
        if value is _DELETE:
            target.pop(last, None)
        else:
            target[last] = value
    return body


_DELETE = object()
DELETE = _DELETE


@dataclass
class Actors:
    """Request headers for each role and scope."""

    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> dict[str, str]:
        if name in self.users:  # a fresh token at the current (possibly moved) clock
            return bearer_for(self.users[name], name)
        return self.headers[name]

    def bot_for(self, telegram_user_id: int) -> dict[str, str]:
        """The bot's key acting for one Telegram user."""
        return {**self.headers["bot"], "X-Telegram-User-Id": str(telegram_user_id)}


def bearer_for(user_id: Any, role: str) -> dict[str, str]:
    token = tokens.issue_access_token(
        user_id=user_id, role=role, secret=TOKEN_SECRET, issuer="onboard", minutes=15
    )
    return {"Authorization": f"Bearer {token}"}


PASSWORD = "correct horse battery"


@lru_cache
def _shared_hash() -> str:
    return passwords.hash_password(PASSWORD)


def make_actors(engine: Engine) -> Actors:
    actors = Actors()
    with Session(engine) as session:
        for role in Role:
            # One argon2 hash for all (hashing costs ~50 ms; log-in tests hash their own).
            user = User(username=f"{role.value}-user", password_hash=_shared_hash(), role=role)
            session.add(user)
            session.flush()
            actors.users[role.value] = user.id
        for scope in Scope:
            _, key = accounts.create_api_key(
                session=session, name=f"{scope.value} key", scopes=[scope]
            )
            actors.headers[scope.value] = {"X-API-Key": key}
        session.commit()
    return actors


@dataclass
class Clock:
    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, days: int = 0, **kw: float) -> None:
        self.current += timedelta(days=days, **kw)

    def set_date(self, d: date) -> None:
        self.current = self.current.replace(year=d.year, month=d.month, day=d.day)


# ------------------------------------------------------------------------- course


def new_person(client: Any, headers: dict[str, str], **overrides: Any) -> str:
    """Register a holder through POST /cards; their person id."""
    r = client.post("/api/v1/cards", json=card_payload(**overrides), headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["person_id"])


def right_answers(module: Any) -> list[int]:
    """The answer key of a course module (service.course.content.Module)."""
    return [q.answer for q in module.questions]


def wrong_answers(module: Any) -> list[int]:
    return [(q.answer + 1) % q.options for q in module.questions]


def attempt(
    client: Any,
    headers: dict[str, str],
    person_id: str,
    slug: str,
    answers: list[int],
    **params: str,
) -> Any:
    """POST a quiz attempt for a person; the response."""
    return client.post(
        f"/api/v1/persons/{person_id}/course/modules/{slug}/attempts",
        json={"answers": answers},
        params=params,
        headers=headers,
    )


def consented_bot(client: Any, actors: Actors, telegram_user_id: int) -> dict[str, str]:
    """The bot's headers for a Telegram user who has agreed to the processing notice."""
    headers = actors.bot_for(telegram_user_id)
    r = client.post(
        f"/api/v1/telegram-users/{telegram_user_id}/consent",
        json={"notice_version": "test", "language": "uz"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    return headers
