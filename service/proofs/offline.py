"""Offline verification: a proof checked against published keys and a status list only.

Used by `onboard verify`; needs no database and no account, only the JWKS document and a
status list fetched earlier (files) or now (URLs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from jose import jwk, jws
from jose.exceptions import JOSEError

from service.core.clock import LEGAL_ZONE
from service.proofs import statuslist, token
from service.proofs.models import SignedCardFacts
from service.proofs.service import LEEWAY

_STATUS_VERDICT = {statuslist.REVOKED: "revoked", statuslist.CLOSED: "closed"}


class TrustDataError(Exception):
    """Keys or status list missing, unreadable, badly signed or too old."""


@dataclass(frozen=True)
class OfflineResult:
    verdict: str
    reason: str
    facts: SignedCardFacts | None
    trust_age: timedelta


@dataclass(frozen=True)
class _Key:
    kid: str
    public: Any
    retire_after: datetime | None = None


def load_text(source: str) -> tuple[str, datetime | None]:
    """Read a file or fetch a URL; also return when it was fetched (files: mtime)."""
    if source.startswith(("http://", "https://")):
        try:
            response = httpx.get(source, timeout=10)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise TrustDataError(f"cannot fetch {source}: {exc}") from None
        return response.text, datetime.now(UTC)
    path = Path(source)
    try:
        return path.read_text(), datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError as exc:
        raise TrustDataError(f"cannot read {source}: {exc.strerror}") from None


def parse_jwks(text: str) -> dict[str, _Key]:
    try:
        doc = json.loads(text)
        keys = {}
        for entry in doc["keys"]:
            if entry.get("kty") != "EC" or entry.get("crv") != "P-256":
                continue
            keys[entry["kid"]] = _Key(kid=entry["kid"], public=jwk.construct(entry, "ES256"))
        return keys
    except (ValueError, KeyError, TypeError, JOSEError):
        raise TrustDataError("the JWKS document is not valid") from None


def parse_status_list(text: str, keys: dict[str, _Key]) -> tuple[bytes, datetime]:
    """Verify the list's signature with the published keys; return its bits and iat."""
    compact = text.strip()
    try:
        header = jws.get_unverified_header(compact)
        key = keys.get(str(header.get("kid")))
        if key is None or header.get("alg") != "ES256" or header.get("typ") != statuslist.TYP:
            raise TrustDataError("the status list is not signed by a published key")
        claims = json.loads(jws.verify(compact, key.public, algorithms=["ES256"]))
        return statuslist.decode_list(claims), datetime.fromtimestamp(claims["iat"], UTC)
    except TrustDataError:
        raise
    except (JOSEError, ValueError, KeyError, TypeError):
        raise TrustDataError("the status list is not valid") from None


def verify_offline(
    payload: str,
    *,
    jwks_text: str,
    status_text: str,
    now: datetime,
    max_age: timedelta,
    issuer: str | None = None,
) -> OfflineResult:
    keys = parse_jwks(jwks_text)
    bits, issued = parse_status_list(status_text, keys)
    age = now - issued
    if age > max_age:
        raise TrustDataError(
            f"the status list is {_hours(age)} old; the limit is {_hours(max_age)}: fetch a "
            "fresh one"
        )
    try:
        compact, header = token.read_header(payload)
        kid = header.get("kid")
        key = keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            return OfflineResult("unknown_key", "not signed by a published key", None, age)
        claims = token.verify_signature(compact, header, key.public)
    except token.ProofRejected as rejected:
        return OfflineResult(rejected.verdict, rejected.reason, None, age)
    facts = token.describe(claims)
    if issuer is not None and claims["iss"] != issuer:
        return OfflineResult("invalid", "issued by someone else", facts, age)
    leeway = LEEWAY.total_seconds()
    if claims["iat"] > now.timestamp() + leeway:
        return OfflineResult("invalid", "issued in the future", facts, age)
    if claims["exp"] < now.timestamp() - leeway:
        return OfflineResult("expired", "this QR code has expired", facts, age)
    status = statuslist.get_status(bits, claims["cid"])
    if status in _STATUS_VERDICT:
        return OfflineResult(
            _STATUS_VERDICT[status],
            f"the card is {_STATUS_VERDICT[status]} according to the status list",
            facts,
            age,
        )
    if status is None and claims["iat"] < issued.timestamp():
        return OfflineResult("invalid", "the card is missing from the status list", facts, age)
    if token.from_days(claims["su"]) < _moscow_date(now):
        return OfflineResult("expired", "the permitted stay has ended", facts, age)
    if claims["st"] == "p":
        return OfflineResult("pending_entry", "entry had not been recorded when signed", facts, age)
    return OfflineResult("valid", "valid", facts, age)


def _moscow_date(now: datetime) -> date:
    return now.astimezone(LEGAL_ZONE).date()


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"
