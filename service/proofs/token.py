"""The proof token: ``MC1:`` + a compact JWS (ES256) made with python-jose.

Header: ``alg=ES256``, ``kid``, ``typ=mc1``. Claims use short names so a proof for a holder
with a 30-character Latin name stays under 400 bytes (a QR code a phone reads at arm's
length):

=====  =========================================================================
iss    issuer (country-style code, ``RU`` by default)
cid    card serial: the card's short id, also its index in the status list
n      card number (canonical, no hyphen)
iat    issued at, exp expires at (seconds since the epoch, as in every JWT)
nm     holder name, ICAO 9303 Latin form ("SURNAME GIVEN NAMES")
dob    date of birth, days since 1970-01-01
c      citizenship, ISO 3166-1 alpha-3
d4     last 4 characters of the identity document number
p      purpose code (PURPOSE_CODES)
st     status at signing: ``p`` pending_entry, ``a`` active
su     permitted stay until, days since 1970-01-01
cc     course completed on, days since 1970-01-01 (absent when not completed)
=====  =========================================================================

Never the full document number, address or host.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from jose import jws
from jose.backends.base import Key
from jose.exceptions import JOSEError
from jose.utils import base64url_decode

from service.cards import numbers
from service.proofs.keys import SigningKey
from service.proofs.models import SignedCardFacts

PREFIX = "MC1:"
TYP = "mc1"
ALGORITHM = "ES256"
MAX_PAYLOAD_BYTES = 1024  # refused before any parsing; a real proof is under 400
EPOCH = date(1970, 1, 1)

PURPOSE_CODES = {
    "official": "o", "tourism": "t", "business": "b", "study": "s",
    "work": "w", "private": "v", "transit": "r", "humanitarian": "h",
}  # fmt: skip
PURPOSES = {code: name for name, code in PURPOSE_CODES.items()}
STATUS_CODES = {"pending_entry": "p", "active": "a"}
STATUSES = {code: name for name, code in STATUS_CODES.items()}


def days(d: date) -> int:
    return (d - EPOCH).days


def from_days(n: int) -> date:
    return EPOCH + timedelta(days=n)


@dataclass(frozen=True)
class ProofFacts:
    """What a proof states about a card, taken from the registry at signing time."""

    serial: int
    number: str
    name_latin: str
    date_of_birth: date
    citizenship: str
    document_last4: str
    purpose: str
    status: str
    stay_until: date
    course_completed_on: date | None


def sign(
    facts: ProofFacts, *, key: SigningKey, issuer: str, now: datetime, ttl: timedelta
) -> tuple[str, datetime]:
    """A signed proof and its expiry: the sooner of now + ttl, the end of the permitted
    stay (end of that day in Moscow, i.e. 21:00 UTC) and the key's scheduled retirement."""
    stay_end = datetime.combine(facts.stay_until, time(21, 0), tzinfo=UTC)
    expires = min(now + ttl, stay_end)
    if key.retire_after is not None:
        expires = min(expires, key.retire_after)
    claims: dict[str, Any] = {
        "iss": issuer,
        "cid": facts.serial,
        "n": facts.number,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "nm": facts.name_latin,
        "dob": days(facts.date_of_birth),
        "c": facts.citizenship,
        "d4": facts.document_last4,
        "p": PURPOSE_CODES[facts.purpose],
        "st": STATUS_CODES[facts.status],
        "su": days(facts.stay_until),
    }
    if facts.course_completed_on is not None:
        claims["cc"] = days(facts.course_completed_on)
    body = json.dumps(claims, separators=(",", ":"), ensure_ascii=True).encode()
    token = jws.sign(body, key.private, headers={"kid": key.kid, "typ": TYP}, algorithm=ALGORITHM)
    return PREFIX + token, datetime.fromtimestamp(claims["exp"], UTC)


class ProofRejected(Exception):
    """A proof that must not be trusted; ``verdict`` says why (invalid or unknown_key)."""

    def __init__(self, verdict: str, reason: str) -> None:
        super().__init__(reason)
        self.verdict = verdict
        self.reason = reason


def read_header(payload: str) -> tuple[str, dict[str, Any]]:
    """Check prefix, size and structure; return (compact JWS, its header)."""
    if len(payload.encode("utf-8", "replace")) > MAX_PAYLOAD_BYTES:
        raise ProofRejected("invalid", "payload is larger than any proof")
    if not payload.startswith(PREFIX):
        raise ProofRejected("invalid", "not an e-card proof (prefix)")
    compact = payload[len(PREFIX) :].strip()
    if compact.count(".") != 2:
        raise ProofRejected("invalid", "not a compact JWS")
    try:
        header = jws.get_unverified_header(compact)
    except (JOSEError, ValueError, TypeError):
        raise ProofRejected("invalid", "unreadable header") from None
    if not isinstance(header, dict):
        raise ProofRejected("invalid", "unreadable header")
    return compact, header


def verify_signature(compact: str, header: dict[str, Any], public: Key) -> dict[str, Any]:
    """Verify with the algorithm pinned to the key (never the header's) and parse claims."""
    if header.get("alg") != ALGORITHM:
        raise ProofRejected("invalid", "algorithm is not ES256")
    if header.get("typ") != TYP:
        raise ProofRejected("invalid", "wrong token type")
    # What ``jws.verify`` does after ``read_header`` has parsed the same token (its segments
    # decode): the key object's own check, then the claims. Not parsed a second time.
    signing_input, _, signature = compact.encode().rpartition(b".")
    try:
        if not public.verify(signing_input, base64url_decode(signature)):
            raise ValueError("signature")
        claims = json.loads(base64url_decode(signing_input.partition(b".")[2]))
    except (JOSEError, ValueError, TypeError):
        raise ProofRejected("invalid", "signature does not verify") from None
    if not isinstance(claims, dict) or not _well_formed(claims):
        raise ProofRejected("invalid", "claims are malformed")
    return claims


_INT_CLAIMS = ("cid", "iat", "exp", "dob", "su")
_STR_CLAIMS = ("iss", "n", "nm", "c", "d4", "p", "st")


def _well_formed(claims: dict[str, Any]) -> bool:
    if any(type(claims.get(k)) is not int for k in _INT_CLAIMS):
        return False
    if any(not isinstance(claims.get(k), str) for k in _STR_CLAIMS):
        return False
    if "cc" in claims and type(claims["cc"]) is not int:
        return False
    return claims["p"] in PURPOSES and claims["st"] in STATUSES


def describe(claims: dict[str, Any]) -> SignedCardFacts:
    """The facts an officer compares with the passport, in plain names."""
    return SignedCardFacts(**facts(claims), serial=claims["cid"], issuer=claims["iss"])


def facts(claims: dict[str, Any]) -> dict[str, Any]:
    """``describe`` without the serial and the issuer: a ``CardFacts``'s fields, as values
    (the verification answer builds its card from them without validating them again)."""
    return {
        "number": numbers.display(claims["n"]),
        "name_latin": claims["nm"],
        "date_of_birth": from_days(claims["dob"]).isoformat(),
        "citizenship": claims["c"],
        "document_last4": claims["d4"],
        "purpose": PURPOSES[claims["p"]],
        "status_at_signing": STATUSES[claims["st"]],
        "stay_until": from_days(claims["su"]).isoformat(),
        "course_completed_on": from_days(claims["cc"]).isoformat() if "cc" in claims else None,
        "issued_at": datetime.fromtimestamp(claims["iat"], UTC).isoformat(),
        "expires_at": datetime.fromtimestamp(claims["exp"], UTC).isoformat(),
    }
