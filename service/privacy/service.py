"""Export and erasure. Erasure removes personal fields and keeps the audit trail whole:
card events and scan records stay (same counts), with free text that may name the person
redacted — the one change the append-only guard on card_event allows."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import String, cast, delete, or_, update
from sqlmodel import Session, col, select

from service.cards import service as cards
from service.cards.models import Card, CardEvent, EventPublic, IdempotencyRecord, Person
from service.checklist import service as checklist
from service.checklist.models import ChecklistDone, Permit
from service.core import clock
from service.core.errors import Conflict
from service.proofs.models import ScanEvent
from service.stats import rollup

REDACTED = "[erased]"
# The personal fields cleared on erasure.
_PERSONAL_FIELDS = (
    "surname",
    "given_names",
    "surname_latin",
    "given_names_latin",
    "date_of_birth",
    "sex",
    "document_number",
)
# The card's fields that may name or reach the person, cleared on erasure.
_PERSONAL_CARD_FIELDS = (
    "host_name",
    "host_address",
    "visa_number",
    "occupation",
    "telegram_user_id",
    "revoked_reason",
)


def export(*, session: Session, person_id: uuid.UUID) -> dict[str, Any]:
    person = cards.get_person(session=session, person_id=person_id)
    person_cards = list(
        session.exec(select(Card).where(Card.person_id == person.id).order_by(col(Card.created_at)))
    )
    card_ids = [c.id for c in person_cards]
    events = (
        session.exec(
            select(CardEvent)
            .where(col(CardEvent.card_id).in_(card_ids))
            .order_by(col(CardEvent.id))
        ).all()
        if card_ids
        else []
    )
    done = (
        session.exec(select(ChecklistDone).where(col(ChecklistDone.card_id).in_(card_ids))).all()
        if card_ids
        else []
    )
    scans = (
        session.exec(select(ScanEvent).where(col(ScanEvent.card_id).in_(card_ids))).all()
        if card_ids
        else []
    )
    return {
        "exported_at": clock.now().isoformat(),
        "person": {
            "id": str(person.id),
            "holder": cards.holder_out(person).model_dump(mode="json"),
            "language": person.language,
            "created_at": person.created_at.isoformat(),
            "erased_at": person.erased_at.isoformat() if person.erased_at else None,
        },
        "cards": [
            cards.to_public(c, person).model_dump(mode="json", by_alias=True) for c in person_cards
        ],
        "events": [
            EventPublic.model_validate(e, from_attributes=True).model_dump(mode="json")
            for e in events
        ],
        "checklist": [
            {
                "card_id": str(d.card_id),
                "item_id": d.item_id,
                "done_on": d.done_on.isoformat(),
                "evidence": d.evidence,
                "self_reported": d.self_reported,
            }
            for d in done
        ],
        "permits": [
            p.model_dump(mode="json")
            for cid in card_ids
            for p in checklist.list_permits(session=session, card_id=cid)
        ],
        "verifications": [
            {"card_id": str(s.card_id), "at": s.at.isoformat(), "verdict": s.verdict} for s in scans
        ],
    }


def erase(*, session: Session, person_id: uuid.UUID) -> Person:
    person = cards.get_person(session=session, person_id=person_id)
    if person.erased_at is not None:
        raise Conflict("this person was already erased", reason="already-erased")
    card_ids = list(session.exec(select(Card.id).where(Card.person_id == person.id)))
    now = clock.now()
    for field in _PERSONAL_FIELDS:
        setattr(person, field, None)
    person.erased_at = now
    session.add(person)
    if card_ids:
        # Statistics already rolled up count these cards' occupation; move them as below.
        rollup.forget_occupation(
            session=session,
            card_ids=card_ids,
            cards=list(
                session.exec(
                    select(Card.created_at, Card.occupation).where(col(Card.id).in_(card_ids))
                ).all()
            ),
        )
        session.execute(
            update(Card)
            .where(col(Card.id).in_(card_ids))
            .values(**dict.fromkeys(_PERSONAL_CARD_FIELDS), updated_at=now)
        )
        # Free text written by officials may name the person: redact it, keep the event.
        session.execute(
            update(CardEvent)
            .where(col(CardEvent.card_id).in_(card_ids), col(CardEvent.reason).is_not(None))
            .values(reason=REDACTED)
        )
        session.execute(
            update(ChecklistDone)
            .where(col(ChecklistDone.card_id).in_(card_ids))
            .values(evidence=REDACTED)
        )
        # A patent's number identifies its holder; its dates stay for the checklist's history.
        session.execute(update(Permit).where(col(Permit.card_id).in_(card_ids)).values(number=None))
        # Stored idempotent answers repeat the whole card: drop those of this person's cards.
        matches = [cast(IdempotencyRecord.response, String).like(f"%{cid}%") for cid in card_ids]
        session.execute(delete(IdempotencyRecord).where(or_(*matches)))
    session.flush()
    return person
