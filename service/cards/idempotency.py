"""Idempotency-Key for POST: a replay returns the first answer; another body is refused."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from service.cards.models import IdempotencyRecord
from service.core.errors import IdempotencyMismatch, field_error

MAX_KEY_LENGTH = 255
T = TypeVar("T")


def request_hash(canonical_body: str) -> str:
    return hashlib.sha256(canonical_body.encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise field_error("Idempotency-Key", f"must be 1-{MAX_KEY_LENGTH} printable characters")
    return key


@dataclass(frozen=True)
class Ident:
    """Who sent the request, under which key, with which body."""

    principal: str
    key: str
    body_hash: str


def find(*, session: Session, ident: Ident) -> IdempotencyRecord | None:
    """The stored answer for this key, or None; a different body under the key is an error."""
    record = session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.principal == ident.principal, IdempotencyRecord.key == ident.key
        )
    ).first()
    if record is not None and record.request_hash != ident.body_hash:
        raise IdempotencyMismatch(
            "this Idempotency-Key was used with a different request body",
            errors=[{"field": "Idempotency-Key", "reason": "already used with another body"}],
        )
    return record


def claim(*, session: Session, ident: Ident) -> IdempotencyRecord | None:
    """Reserve the key in the caller's transaction before doing the work.

    A concurrent request with the same key waits on the unique index until this transaction
    ends, then finds the stored answer. None means a twin finished first: call find() again.
    """
    record = IdempotencyRecord(
        principal=ident.principal,
        key=ident.key,
        request_hash=ident.body_hash,
        status_code=0,
        response={},
    )
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
        return record
    except IntegrityError:
        return None


def complete(
    *, session: Session, record: IdempotencyRecord, status_code: int, response: dict[str, Any]
) -> None:
    record.status_code = status_code
    record.response = response
    session.add(record)


@dataclass(frozen=True)
class Replay:
    """The first answer under this key, to be sent again as it was."""

    status_code: int
    body: dict[str, Any]


def once(
    *,
    session: Session,
    ident: Ident | None,
    make: Callable[[], T],
    answer: Callable[[T], dict[str, Any]],
    status_code: int,
) -> T | Replay:
    """Do ``make()`` once per key (no key: just do it): a replay gets the stored answer, a
    twin racing on the same key waits for the first and then replays it."""
    if ident is None:
        return make()
    record = find(session=session, ident=ident)
    claimed = None
    if record is None:
        claimed = claim(session=session, ident=ident)
        if claimed is None:  # a twin with this key committed while we waited
            record = find(session=session, ident=ident)
    if record is not None:
        return Replay(status_code=record.status_code, body=record.response)
    result = make()
    if claimed is not None:
        complete(session=session, record=claimed, status_code=status_code, response=answer(result))
    return result
