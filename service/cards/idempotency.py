"""Idempotency-Key for POST: a replay returns the first answer; another body is refused."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from service.cards.models import IdempotencyRecord
from service.core.errors import IdempotencyMismatch, field_error

MAX_KEY_LENGTH = 255


def request_hash(canonical_body: str) -> str:
    return hashlib.sha256(canonical_body.encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise field_error("Idempotency-Key", f"must be 1-{MAX_KEY_LENGTH} printable characters")
    return key


def find(*, session: Session, principal: str, key: str, body_hash: str) -> IdempotencyRecord | None:
    """The stored answer for this key, or None; a different body under the key is an error."""
    record = session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.principal == principal, IdempotencyRecord.key == key
        )
    ).first()
    if record is not None and record.request_hash != body_hash:
        raise IdempotencyMismatch(
            "this Idempotency-Key was used with a different request body",
            errors=[{"field": "Idempotency-Key", "reason": "already used with another body"}],
        )
    return record


def remember(*, session: Session, principal: str, key: str, body_hash: str,
             status_code: int, response: dict[str, Any]) -> bool:
    """Store the answer in the caller's transaction; False when a concurrent twin won."""
    try:
        with session.begin_nested():
            session.add(IdempotencyRecord(principal=principal, key=key, request_hash=body_hash,
                                          status_code=status_code, response=response))
            session.flush()
        return True
    except IntegrityError:
        return False
