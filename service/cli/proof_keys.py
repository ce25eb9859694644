"""`onboard keys` and `onboard verify`: proof-signing keys, and checking a proof offline
with the published trust data (as any integrator would)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from service.cli.common import Commands, OperandParser
from service.core import clock
from service.core.config import get_settings
from service.core.errors import OnboardError

if TYPE_CHECKING:
    from service.proofs.keys import KeyStore


def register(commands: Commands) -> None:
    pk = commands.add_parser("keys", help="proof-signing keys").add_subparsers(
        parser_class=OperandParser
    )
    pk.add_parser("list", help="list keys and their states").set_defaults(func=_list)
    pk.add_parser("rotate", help="new active key; the old one keeps verifying").set_defaults(
        func=_rotate
    )
    pr = pk.add_parser("retire", help="stop trusting a key (now, or --at a later time)")
    pr.add_argument("kid")
    pr.add_argument("--at", help="ISO time to retire at; proofs it signs expire by then")
    pr.set_defaults(func=_retire)
    _register_verify(commands)


def _register_verify(commands: Commands) -> None:
    ver = commands.add_parser("verify", help="verify a proof offline with published trust data")
    ver.add_argument("payload", help="the QR text (MC1:...), or - to read it from stdin")
    ver.add_argument("--jwks", required=True, help="JWKS file or URL (/.well-known/jwks.json)")
    ver.add_argument("--status-list", required=True, help="status list file or URL")
    ver.add_argument(
        "--max-age-hours",
        type=float,
        default=24.0,
        help="refuse a status list older than this (default 24)",
    )
    ver.add_argument("--issuer", help="expected issuer (default: any)")
    ver.add_argument("--now", help="check as of this ISO time instead of now (audits, replays)")
    ver.set_defaults(func=_verify_offline)


def _key_store() -> KeyStore:
    from service.proofs.keys import KeyStore

    return KeyStore(get_settings().resolved_proof_key_dir)


def _when(text: str, option: str) -> datetime:
    """An ISO date-time from the command line, UTC when it names no zone."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise OnboardError(
            f"{option} must be an ISO date-time, e.g. 2027-01-31T00:00:00+00:00"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _list(args: argparse.Namespace) -> int:
    for key in _key_store().records():
        scheduled = f"\tretire after {key.retire_after.isoformat()}" if key.retire_after else ""
        print(f"{key.kid}\t{key.state}\tcreated {key.created_at}{scheduled}")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    key = _key_store().rotate()
    print(key.kid)
    print(
        "new active key; restart is not needed (servers reload keys within seconds)",
        file=sys.stderr,
    )
    return 0


def _retire(args: argparse.Namespace) -> int:
    at = _when(args.at, "--at") if args.at else None
    key = _key_store().retire(args.kid, at=at)
    state = f"retires after {key.retire_after}" if key.state != "retired" else "retired"
    print(f"{key.kid}\t{state}", file=sys.stderr)
    return 0


def _verify_offline(args: argparse.Namespace) -> int:
    from service.proofs import offline

    payload = sys.stdin.read().strip() if args.payload == "-" else args.payload
    now = _when(args.now, "--now") if args.now else clock.now()
    try:
        jwks_text, _ = offline.load_text(args.jwks)
        status_text, _ = offline.load_text(args.status_list)
        result = offline.verify_offline(
            payload,
            jwks_text=jwks_text,
            status_text=status_text,
            now=now,
            max_age=timedelta(hours=args.max_age_hours),
            issuer=args.issuer,
        )
    except offline.TrustDataError as exc:
        print(f"onboard: {exc}", file=sys.stderr)
        return 3
    print(result.verdict.upper())
    print(f"reason: {result.reason}")
    print(f"trust data age: {result.trust_age.total_seconds() / 3600:.1f} h")
    for name, value in (result.facts.model_dump() if result.facts else {}).items():
        print(f"{name}: {value}")
    return 0 if result.verdict == "valid" else 1
