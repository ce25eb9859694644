"""Regenerate the committed proof test vectors: `python -m tests.vectors.make_vectors`.

Writes proofs.json (payloads with expected verdicts at a fixed clock), jwks.json and
status.jwt (the trust data an offline verifier would hold at that moment). Signatures use
proof_key.pem, a key made for these vectors only and trusted by nothing else. ECDSA
signatures are randomised, so regenerating changes the payloads but not the verdicts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from service.proofs import statuslist, token
from service.proofs.keys import KeyStore, public_jwk_of, thumbprint_kid

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ISSUER = "RU"
TTL = timedelta(days=7)

# The registry state the vectors assume: serial, number, status.
CARDS = [
    {"serial": 1, "number": "4Z8KPM1RQ7", "status": "active"},
    {"serial": 2, "number": "H2D9XW4N0C", "status": "revoked"},
    {"serial": 3, "number": "9VTQ3B6MZE", "status": "closed"},
    {"serial": 4, "number": "M0J5R8T2KY", "status": "pending_entry"},
]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _store(pem: bytes, directory: Path) -> KeyStore:
    from cryptography.hazmat.primitives import serialization

    private = serialization.load_pem_private_key(pem, password=None)
    kid = thumbprint_kid(public_jwk_of(private))  # type: ignore[arg-type]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{kid}.pem").write_bytes(pem)
    (directory / "keys.json").write_text(
        json.dumps({kid: {"state": "active", "created_at": NOW.isoformat()}})
    )
    return KeyStore(directory)


def main() -> None:
    from service.cards import numbers

    for card in CARDS:  # numbers must pass their own check symbol
        card["number"] = card["number"][:9] + numbers._check_symbol(card["number"][:9])
    work = Path(tempfile.mkdtemp())
    good = _store((HERE / "proof_key.pem").read_bytes(), work / "good").active()
    other = KeyStore(work / "other").ensure()  # an attacker's key, thrown away after
    base = token.ProofFacts(
        serial=1,
        number=CARDS[0]["number"],
        name_latin="KARIMOV SHUKHRAT",
        date_of_birth=date(1990, 5, 1),
        citizenship="UZB",
        document_last4="4567",
        purpose="work",
        status="active",
        stay_until=date(2027, 2, 20),
        course_completed_on=None,
    )

    def signed(facts: token.ProofFacts, key=good, now: datetime = NOW) -> str:  # type: ignore[no-untyped-def]
        return token.sign(facts, key=key, issuer=ISSUER, now=now, ttl=TTL)[0]

    valid = signed(base)
    head, body, sig = valid[4:].split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    public = json.dumps({**good.public_jwk, "kid": good.kid}).encode()
    hs_head = _b64(json.dumps({**header, "alg": "HS256"}).encode())
    hs_sig = _b64(hmac.new(public, f"{hs_head}.{body}".encode(), hashlib.sha256).digest())
    wrong_key = signed(base, key=replace(other, kid=good.kid))
    vectors = [
        ("valid", valid, "valid"),
        (
            "tampered claim (stay extended by a year)",
            "MC1:"
            + ".".join(
                [
                    head,
                    _b64(
                        json.dumps(
                            {**claims, "su": claims["su"] + 365}, separators=(",", ":")
                        ).encode()
                    ),
                    sig,
                ]
            ),
            "invalid",
        ),
        (
            "tampered signature",
            "MC1:" + ".".join([head, body, sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]]),
            "invalid",
        ),
        ("signed by another key under a trusted kid", wrong_key, "invalid"),
        ("unknown kid", signed(base, key=other), "unknown_key"),
        ("expired", signed(base, now=NOW - timedelta(days=8)), "expired"),
        (
            "not yet valid (issued an hour ahead)",
            signed(base, now=NOW + timedelta(hours=1)),
            "invalid",
        ),
        ("revoked card", signed(replace(base, serial=2, number=CARDS[1]["number"])), "revoked"),
        ("closed card", signed(replace(base, serial=3, number=CARDS[2]["number"])), "closed"),
        (
            "card not yet entered",
            signed(replace(base, serial=4, number=CARDS[3]["number"], status="pending_entry")),
            "pending_entry",
        ),
        (
            "wrong typ",
            "MC1:" + ".".join([_b64(json.dumps({**header, "typ": "JWT"}).encode()), body, sig]),
            "invalid",
        ),
        (
            "alg none",
            "MC1:" + ".".join([_b64(json.dumps({**header, "alg": "none"}).encode()), body, ""]),
            "invalid",
        ),
        ("HS256 keyed with the public key", f"MC1:{hs_head}.{body}.{hs_sig}", "invalid"),
        ("oversized", "MC1:" + head + "." + "A" * 2000 + "." + sig, "invalid"),
        ("garbage", "hello, officer", "invalid"),
        ("no prefix", valid[4:], "invalid"),
    ]
    data = bytearray(16)
    statuslist.set_status(data, 2, statuslist.REVOKED)
    statuslist.set_status(data, 3, statuslist.CLOSED)
    status_jwt = statuslist.sign_list(
        bytes(data),
        key=good,
        uri="https://onboard.example/api/v1/status-list",
        issuer=ISSUER,
        now=NOW,
        ttl=timedelta(minutes=5),
        valid_for=timedelta(hours=24),
    )
    (HERE / "jwks.json").write_text(
        json.dumps(
            {"keys": [{**good.public_jwk, "kid": good.kid, "use": "sig", "alg": "ES256"}]}, indent=2
        )
        + "\n"
    )
    (HERE / "status.jwt").write_text(status_jwt + "\n")
    (HERE / "proofs.json").write_text(
        json.dumps(
            {
                "clock": NOW.isoformat(),
                "issuer": ISSUER,
                "kid": good.kid,
                "cards": CARDS,
                "vectors": [{"name": n, "payload": p, "verdict": v} for n, p, v in vectors],
            },
            indent=2,
        )
        + "\n"
    )
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
