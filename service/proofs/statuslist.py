"""A signed status list in the style of the IETF Token Status List draft.

Two bits per card serial: 0 = not withdrawn (pending or active; expiry is in the proof's own
dates), 1 = revoked (the draft's INVALID), 3 = closed (an application-specific value). Bits
are packed least-significant first within each byte, the byte string is compressed with
DEFLATE (zlib format) and base64url-encoded into ``status_list.lst``. The list is a JWT of
type ``statuslist+jwt`` signed with the active proof key, so offline verifiers check it with
the same JWKS.
"""

from __future__ import annotations

import base64
import json
import zlib
from datetime import datetime, timedelta
from typing import Any

from jose import jws
from sqlmodel import Session, col, select

from service.cards.models import Card
from service.proofs.keys import SigningKey

BITS = 2
VALID, REVOKED, CLOSED = 0, 1, 3
TYP = "statuslist+jwt"


def current_bytes(session: Session) -> bytes:
    top = session.exec(select(Card.serial).order_by(col(Card.serial).desc()).limit(1)).first()
    size = (int(top or 0) + 1) * BITS
    data = bytearray((size + 7) // 8)
    rows = session.exec(
        select(Card.serial, Card.status).where(col(Card.status).in_(("revoked", "closed")))
    ).all()
    for serial, status in rows:
        set_status(data, int(serial), REVOKED if status == "revoked" else CLOSED)
    return bytes(data)


def set_status(data: bytearray, index: int, value: int) -> None:
    bit = index * BITS
    data[bit // 8] |= (value & ((1 << BITS) - 1)) << (bit % 8)


def get_status(data: bytes | bytearray, index: int) -> int | None:
    """The status at an index, or None when the list does not reach it."""
    bit = index * BITS
    if index < 0 or bit // 8 >= len(data):
        return None
    return (data[bit // 8] >> (bit % 8)) & ((1 << BITS) - 1)


def sign_list(
    data: bytes,
    *,
    key: SigningKey,
    uri: str,
    issuer: str,
    now: datetime,
    ttl: timedelta,
    valid_for: timedelta,
) -> str:
    """ttl: how often verifiers should fetch a fresh list; valid_for: when it expires."""
    lst = base64.urlsafe_b64encode(zlib.compress(data, 9)).rstrip(b"=").decode()
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": uri,
        "iat": int(now.timestamp()),
        "exp": int((now + valid_for).timestamp()),
        "ttl": int(ttl.total_seconds()),
        "status_list": {"bits": BITS, "lst": lst},
    }
    return str(
        jws.sign(
            json.dumps(claims, separators=(",", ":")).encode(),
            key.private,
            headers={"kid": key.kid, "typ": TYP},
            algorithm="ES256",
        )
    )


def decode_list(claims: dict[str, Any]) -> bytes:
    lst = claims["status_list"]["lst"]
    if claims["status_list"].get("bits") != BITS:
        raise ValueError("unsupported status list width")
    return zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
