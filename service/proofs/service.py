"""Issuing proofs for cards and verifying them against the registry."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from service.cards import numbers
from service.cards import service as cards
from service.cards.models import Card, Person, Status
from service.core import clock
from service.core.errors import Conflict
from service.course import service as course
from service.printing import pdf
from service.proofs import token
from service.proofs.keys import KeyStore
from service.proofs.live import LiveCard, LiveCards
from service.proofs.models import CardFacts, Verdict

LEEWAY = timedelta(seconds=60)
_PROVABLE = (Status.pending_entry, Status.active)


@dataclass(frozen=True)
class IssuedProof:
    payload: str
    expires_at: datetime
    kid: str


class ProofCache:
    """The last proof per card, reused while the card is unchanged and the proof is fresh,
    so that a phone refreshing its QR gets the same image (cached too) instead of a new
    signature every time."""

    def __init__(self, size: int = 10_000) -> None:
        self._items: OrderedDict[uuid.UUID, tuple[Any, IssuedProof]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, card_id: uuid.UUID, stamp: Any) -> IssuedProof | None:
        with self._lock:
            item = self._items.get(card_id)
            if item is None or item[0] != stamp:
                return None
            self._items.move_to_end(card_id)
            return item[1]

    def put(self, card_id: uuid.UUID, stamp: Any, proof: IssuedProof) -> None:
        with self._lock:
            self._items[card_id] = (stamp, proof)
            self._items.move_to_end(card_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def issue_proof(
    *,
    session: Session,
    keys: KeyStore,
    cache: ProofCache,
    card_id: uuid.UUID,
    issuer: str,
    ttl: timedelta,
) -> IssuedProof:
    """A signed proof for a card that is pending entry or active (not expired)."""
    card = cards.get_card(session=session, card_id=card_id)
    status = cards.effective_status(card)
    if status not in _PROVABLE:
        raise Conflict(
            f"no proof for a card in status {status.value}",
            card_status=status.value,
            reason="card-not-provable",
        )
    key = keys.active()
    now = clock.now()
    completed_on = course.completion_date(session=session, person_id=card.person_id)
    stamp = (card.updated_at, card.status, card.stay_until, key.kid, completed_on)
    cached = cache.get(card.id, stamp)
    # Reuse while at least half of the proof's life is left.
    if cached is not None and cached.expires_at - now > ttl / 2:
        return cached
    person = cards.get_person(session=session, person_id=card.person_id)
    if person.erased_at is not None:
        raise Conflict(
            "the holder's personal data was erased; no proof can be made", reason="holder-erased"
        )
    facts = token.ProofFacts(
        serial=card.serial,
        number=card.number,
        name_latin=_latin_name(person),
        date_of_birth=person.date_of_birth or date(1900, 1, 1),
        citizenship=person.citizenship,
        document_last4=(person.document_number or "")[-4:],
        purpose=card.purpose,
        status=status.value,
        stay_until=card.stay_until,
        course_completed_on=completed_on,
    )
    payload, expires = token.sign(facts, key=key, issuer=issuer, now=now, ttl=ttl)
    proof = IssuedProof(payload=payload, expires_at=expires, kid=key.kid)
    cache.put(card.id, stamp, proof)
    return proof


def _latin_name(person: Person) -> str:
    return " ".join(p for p in (person.surname_latin, person.given_names_latin) if p)


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    reason: str
    claims: dict[str, Any] | None
    card: Card | LiveCard | None


_LIVE_VERDICT = {
    Status.revoked: (Verdict.revoked, "the card was revoked"),
    Status.closed: (Verdict.closed, "exit was recorded; the card is closed"),
    Status.expired: (Verdict.expired, "the permitted stay has ended"),
    Status.pending_entry: (Verdict.pending_entry, "entry has not been recorded yet"),
    Status.active: (Verdict.valid, "valid"),
}


def verify(*, live: LiveCards, keys: KeyStore, payload: str, issuer: str) -> Verification:
    """Check a proof: prefix, size, structure, kid, signature (ES256 pinned), typ, time,
    then the card's status in the in-memory registry (``proofs.live``; no database)."""
    try:
        compact, header = token.read_header(payload)
        kid = header.get("kid")
        key = keys.verifying(kid) if isinstance(kid, str) else None
        if key is None:
            return Verification(
                Verdict.unknown_key,
                "signed with a key this service does not trust (unknown or retired)",
                None,
                None,
            )
        claims = token.verify_signature(compact, header, key.public)
    except token.ProofRejected as rejected:
        return Verification(Verdict(rejected.verdict), rejected.reason, None, None)
    if claims["iss"] != issuer:
        return Verification(Verdict.invalid, "issued by someone else", None, None)
    now = clock.now().timestamp()
    card = live.card(claims["cid"])
    if card is None or card.number != claims["n"]:
        return Verification(Verdict.invalid, "no such card in the registry", claims, None)
    if claims["iat"] > now + LEEWAY.total_seconds():
        return Verification(Verdict.invalid, "issued in the future", claims, card)
    if claims["exp"] < now - LEEWAY.total_seconds():
        return Verification(
            Verdict.expired, "this QR code has expired; ask for a fresh one", claims, card
        )
    verdict, reason = _LIVE_VERDICT[card.status_now()]
    return Verification(verdict, reason, claims, card)


def verify_number(*, session: Session, number: str) -> Verification:
    """The fallback when no QR can be read: the registry's verdict for a typed number."""
    canonical = numbers.normalize(number)
    if canonical is None:
        return Verification(Verdict.invalid, "not a valid card number (check symbol)", None, None)
    card = session.exec(select(Card).where(Card.number == canonical)).first()
    if card is None:
        return Verification(Verdict.invalid, "no such card in the registry", None, None)
    verdict, reason = _LIVE_VERDICT[cards.effective_status(card)]
    return Verification(verdict, reason, None, card)


def print_facts(
    *, session: Session, card_id: uuid.UUID, proof: IssuedProof, qr_png: bytes
) -> pdf.PrintFacts:
    """What the printed card shows: the holder's facts, the number and the proof's QR."""
    card = cards.get_card(session=session, card_id=card_id)
    person = cards.get_person(session=session, person_id=card.person_id)
    return pdf.PrintFacts(
        number=numbers.display(card.number),
        status=cards.effective_status(card).value,
        native_name=" ".join(p for p in (person.surname, person.given_names) if p),
        latin_name=" ".join(p for p in (person.surname_latin, person.given_names_latin) if p),
        date_of_birth=person.date_of_birth,
        citizenship=person.citizenship,
        document=f"{person.document_type}: …{(person.document_number or '')[-4:]}",
        purpose=card.purpose,
        stay_until=card.stay_until,
        qr_png=qr_png,
        qr_expires=proof.expires_at,
    )


def registry_facts(*, session: Session, card: Card) -> CardFacts:
    """The same facts a proof carries, read from the registry (typed-number checks)."""
    person = cards.get_person(session=session, person_id=card.person_id)
    completed_on = course.completion_date(session=session, person_id=card.person_id)
    return CardFacts(
        number=numbers.display(card.number),
        name_latin=_latin_name(person),
        date_of_birth=person.date_of_birth.isoformat() if person.date_of_birth else "",
        citizenship=person.citizenship,
        document_last4=(person.document_number or "")[-4:],
        purpose=card.purpose,
        status_at_signing=None,
        stay_until=card.stay_until.isoformat(),
        course_completed_on=completed_on.isoformat() if completed_on else None,
        issued_at=None,
        expires_at=None,
    )
