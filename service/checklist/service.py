"""Computing a card's checklist and handing out reminders exactly when they are due."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.cards import numbers
from service.cards import service as cards
from service.cards.models import Card, Person, Status
from service.checklist.models import (
    Checklist,
    ChecklistDone,
    ChecklistItem,
    DoneIn,
    DoneOut,
    ItemStatus,
    PaymentIn,
    Permit,
    PermitIn,
    PermitOut,
    PermitPayment,
    ReminderMute,
    ReminderRecord,
    StayLimitOut,
)
from service.checklist.policy import LANGUAGES, Event, Obligation, Policy, add_months
from service.core import clock, i18n
from service.core.errors import Conflict, NotFound, field_error
from service.reference.timezones import zone_for
from service.telegram.models import TelegramProfile

QUIET_UNTIL = time(9, 0)  # no reminders before 09:00 ...
QUIET_FROM = time(21, 0)  # ... or after 21:00, in the holder's local time
CLAIM_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class _Item:
    obligation: Obligation
    due_on: date | None
    status: ItemStatus
    done: ChecklistDone | None
    approximate: bool = False
    approximate_reason: str | None = None


def regime_of(*, policy: Policy, card: Card, person: Person) -> str:
    """The card's regime (content/policy/regimes.yaml): from citizenship, purpose and visa."""
    return policy.regimes.of(
        citizenship=person.citizenship, purpose=card.purpose, has_visa=bool(card.visa_number)
    )


def _items(
    *,
    policy: Policy,
    card: Card,
    person: Person,
    dones: list[ChecklistDone],
    permit: Permit | None,
    today: date,
) -> list[_Item]:
    live = cards.effective_status(card, today)
    stay_days = (card.stay_until - (card.entered_on or card.planned_from)).days
    regime = regime_of(policy=policy, card=card, person=person)
    out = []
    for ob in policy.obligations:
        rule = ob.rule_for(
            regime=regime, purpose=card.purpose, citizenship=person.citizenship, stay_days=stay_days
        )
        if rule is None or live in (Status.closed, Status.revoked) or _no_renewal(ob, card, permit):
            out.append(_Item(ob, None, ItemStatus.not_applicable, None))
            continue
        mine = sorted((d for d in dones if d.item_id == ob.id), key=lambda d: d.done_on)
        event = _event_day(ob, card, permit)
        found = policy.due(ob, rule, event) if event else None
        due = found.on if found else None
        approximate = (found.approximate if found else False) or rule.approximate is not None
        reason = found.reason if found else rule.approximate
        status = _status(ob, due, mine[-1] if mine else None, permit, today)
        done = mine[-1] if mine and (status == ItemStatus.done or ob.repeats) else None
        out.append(_Item(ob, due, status, done, approximate, reason))
    return out


def _no_renewal(ob: Obligation, card: Card, permit: Permit | None) -> bool:
    """Only a paid period reaching past the stay's end calls for a renewal."""
    return ob.event == Event.paid_beyond_stay and (
        permit is None or permit.paid_until <= card.stay_until
    )


def _status(
    ob: Obligation, due: date | None, last: ChecklistDone | None, permit: Permit | None, today: date
) -> ItemStatus:
    if last is not None and not ob.repeats:
        return ItemStatus.done
    if ob.id == "work-permit" and permit is not None:
        # A patent is recorded: the application was made, whoever did not report it.
        return ItemStatus.done
    return ItemStatus.overdue if due is not None and today > due else ItemStatus.pending


def _event_day(ob: Obligation, card: Card, permit: Permit | None) -> date | None:
    if ob.event == Event.entry:
        return card.entered_on
    if ob.event in (Event.stay_end, Event.paid_beyond_stay):
        return card.stay_until
    if permit is None:
        return None  # the patent's dates: not recorded yet
    if ob.event == Event.permit_issue:
        return permit.issued_on
    return permit.paid_until  # permit_paid_until


def _latest_permit(session: Session, card_id: uuid.UUID) -> Permit | None:
    """The card's current patent: the one issued last (a new patent replaces the old)."""
    return session.exec(
        select(Permit)
        .where(Permit.card_id == card_id)
        .order_by(col(Permit.issued_on).desc(), col(Permit.created_at).desc())
    ).first()


def _load(
    session: Session, card_id: uuid.UUID
) -> tuple[Card, Person, list[ChecklistDone], Permit | None]:
    card = cards.get_card(session=session, card_id=card_id)
    person = cards.get_person(session=session, person_id=card.person_id)
    dones = list(session.exec(select(ChecklistDone).where(ChecklistDone.card_id == card.id)))
    return card, person, dones, _latest_permit(session, card.id)


def checklist(
    *, session: Session, policy: Policy, card_id: uuid.UUID, language: str
) -> tuple[str, list[ChecklistItem]]:
    """The card's regime and its items."""
    card, person, dones, permit = _load(session, card_id)
    items = _items(
        policy=policy, card=card, person=person, dones=dones, permit=permit, today=clock.today()
    )
    return regime_of(policy=policy, card=card, person=person), [_public(i, language) for i in items]


def describe(
    *, session: Session, policy: Policy, card_id: uuid.UUID, wanted: list[str]
) -> Checklist:
    """The checklist as answered: in the first wanted language we have (the holder's own
    when none is asked for, Russian as the last resort), with the law's stay limit and the
    reminders' switch."""
    own = person_language(session=session, card_id=card_id)
    language, fallback = i18n.pick(wanted or [own], default=own)
    regime, items = checklist(session=session, policy=policy, card_id=card_id, language=language)
    limit = policy.regimes.stay_limits[regime]
    return Checklist(
        card_id=card_id,
        regime=regime,
        stay_limit=StayLimitOut(
            text=limit.text[language], source=limit.source, checked_on=limit.checked_on
        ),
        language=language,
        fallback=fallback,
        reminders_muted=is_muted(session=session, card_id=card_id),
        items=items,
    )


def _public(item: _Item, language: str) -> ChecklistItem:
    ob = item.obligation
    done = None
    if item.done is not None:
        done = DoneOut(
            done_on=item.done.done_on,
            evidence=item.done.evidence,
            self_reported=item.done.self_reported,
        )
    return ChecklistItem(
        id=ob.id,
        title=ob.title[language],
        how_to=ob.how_to[language],
        due_on=item.due_on,
        status=item.status,
        done=done,
        reportable=ob.reportable,
        source=ob.source,
        checked_on=ob.checked_on,
        review_by=ob.review_by,
        approximate=item.approximate,
        approximate_reason=item.approximate_reason,
    )


def mark_done(
    *,
    session: Session,
    policy: Policy,
    card_id: uuid.UUID,
    item_id: str,
    data: DoneIn,
    actor: str,
    self_reported: bool,
) -> None:
    card, person, dones, permit = _load(session, card_id)
    items = {
        i.obligation.id: i
        for i in _items(
            policy=policy,
            card=card,
            person=person,
            dones=dones,
            permit=permit,
            today=clock.today(),
        )
    }
    item = items.get(item_id)
    if item is None:
        raise NotFound(f"no checklist item {item_id!r}")
    if item.status == ItemStatus.not_applicable:
        raise Conflict(f"{item_id} does not apply to this card", reason="not-applicable")
    if not item.obligation.reportable:
        raise Conflict(
            f"{item_id} is not met by a report: the stay's end by the exit or an extension, "
            "a patent payment by recording the payment on the patent",
            reason="not-reportable",
        )
    if item.status == ItemStatus.done:
        raise Conflict(f"{item_id} is already done", reason="already-done")
    done_on = data.done_on or clock.today()
    if done_on > clock.today():
        raise field_error("done_on", "is in the future")
    session.add(
        ChecklistDone(
            card_id=card.id,
            item_id=item_id,
            done_on=done_on,
            evidence=data.evidence,
            self_reported=self_reported,
            actor=actor,
        )
    )
    session.flush()


# ------------------------------------------------------------------------------- patents

PATENT_MAX_MONTHS = 12  # 115-FZ art. 13.3 para. 5: with extensions, at most 12 months from issue


def add_permit(
    *, session: Session, policy: Policy, card_id: uuid.UUID, data: PermitIn, actor: str
) -> PermitOut:
    """Record the patent the holder got; its dates drive the payment and contract items."""
    card = cards.get_card(session=session, card_id=card_id, for_update=True)
    person = cards.get_person(session=session, person_id=card.person_id)
    if cards.effective_status(card) in (Status.closed, Status.revoked):
        raise Conflict("the card is closed or revoked", reason="card-closed")
    regime = regime_of(policy=policy, card=card, person=person)
    if regime != "patent_worker":
        raise Conflict(
            f"a patent is for visa-free, non-EAEU workers; this card's regime is {regime}",
            reason="not-applicable",
        )
    today = clock.today()
    if data.issued_on > today:
        raise field_error("issued_on", "is in the future")
    if card.entered_on is None or data.issued_on < card.entered_on:
        raise field_error("issued_on", "is before the entry recorded on the card")
    if data.paid_until < data.issued_on:
        raise field_error("paid_until", "is before issued_on")
    if data.paid_until > add_months(data.issued_on, PATENT_MAX_MONTHS):
        raise field_error("paid_until", "is more than 12 months after issued_on")
    permit = Permit(**data.model_dump(), card_id=card.id, actor=actor)
    session.add(permit)
    session.flush()
    return _permit_out(session, permit)


def add_payment(
    *,
    session: Session,
    card_id: uuid.UUID,
    permit_id: uuid.UUID,
    data: PaymentIn,
    actor: str,
) -> PermitOut:
    """A payment of `months` whole months: the paid period ends `months` months after its
    current last day, on the same-numbered day (Civil Code art. 192)."""
    cards.get_card(session=session, card_id=card_id)
    permit = session.exec(select(Permit).where(Permit.id == permit_id).with_for_update()).first()
    if permit is None or permit.card_id != card_id:
        raise NotFound("no such patent on this card")
    if data.paid_on > clock.today():
        raise field_error("paid_on", "is in the future")
    if data.paid_on < permit.issued_on:
        raise field_error("paid_on", "is before the patent was issued")
    if data.paid_on > permit.paid_until:
        # 115-FZ art. 13.3: the patent lapsed the day after its last paid day.
        raise Conflict(
            f"the patent lapsed after {permit.paid_until}; a late payment does not renew it",
            reason="patent-lapsed",
        )
    after = add_months(permit.paid_until, data.months)
    if after > add_months(permit.issued_on, PATENT_MAX_MONTHS):
        raise field_error(
            "months", "would take the patent past 12 months from its issue (115-FZ art. 13.3)"
        )
    session.add(
        PermitPayment(
            permit_id=permit.id,
            paid_on=data.paid_on,
            months=data.months,
            paid_until_before=permit.paid_until,
            paid_until_after=after,
            actor=actor,
        )
    )
    permit.paid_until = after
    session.add(permit)
    session.flush()
    return _permit_out(session, permit)


def list_permits(*, session: Session, card_id: uuid.UUID) -> list[PermitOut]:
    cards.get_card(session=session, card_id=card_id)
    rows = session.exec(
        select(Permit).where(Permit.card_id == card_id).order_by(col(Permit.issued_on))
    ).all()
    return [_permit_out(session, p) for p in rows]


def _permit_out(session: Session, permit: Permit) -> PermitOut:
    payments = session.exec(
        select(PermitPayment)
        .where(PermitPayment.permit_id == permit.id)
        .order_by(col(PermitPayment.id))
    ).all()
    # The answer models name the fields they show: the rows' others (actor, times) stay out.
    return PermitOut.model_validate(
        {**permit.model_dump(), "payments": [p.model_dump() for p in payments]}
    )


def set_muted(*, session: Session, card_id: uuid.UUID, muted: bool) -> None:
    cards.get_card(session=session, card_id=card_id)
    row = session.get(ReminderMute, card_id)
    if muted and row is None:
        session.add(ReminderMute(card_id=card_id))
    elif not muted and row is not None:
        session.delete(row)
    session.flush()


def is_muted(*, session: Session, card_id: uuid.UUID) -> bool:
    return session.get(ReminderMute, card_id) is not None


@dataclass(frozen=True)
class DueReminder:
    record: ReminderRecord
    card: Card
    telegram_user_id: int
    language: str
    obligation: Obligation
    days_left: int


def claim_reminders(
    *, session: Session, policy: Policy, offsets: tuple[int, ...], limit: int = 200
) -> list[DueReminder]:
    """Reminders due now, recorded as claimed in this transaction so that no other sender
    (or this one after a restart) gets them again; unconfirmed claims come back after a
    lease. Several reminders for one deadline due at once (the sender was down) go out as
    the latest one; the others are recorded as superseded."""
    now = clock.now()
    retry = _expired_claims(session, now)
    out: list[DueReminder] = []
    for card, person, profile in _reminded_cards(session):
        local = now.astimezone(zone_for(card.region))
        if not (QUIET_UNTIL <= local.time() < QUIET_FROM):
            continue
        today = local.date()
        language = person.language if person.language in LANGUAGES else "ru"
        for item in _pending_items(session, policy, card, person, today):
            assert item.due_on is not None
            days_left = (item.due_on - today).days
            window = [d for d in _offsets(item.obligation, offsets) if d >= days_left]
            if not window:
                continue
            record = _claim(session, retry, now, (card.id, item.obligation.id, item.due_on), window)
            if record is not None:
                out.append(
                    DueReminder(
                        record, card, profile.telegram_user_id, language, item.obligation, days_left
                    )
                )
            if len(out) >= limit:
                return out
    return out


class _ClaimKey(NamedTuple):
    """What makes a reminder go out once: the unique key of ``reminder_record``."""

    card_id: uuid.UUID
    item_id: str
    due_on: date
    days_before: int


def _expired_claims(session: Session, now: datetime) -> dict[_ClaimKey, ReminderRecord]:
    """Claims whose sender never confirmed within the lease: handed out again."""
    expired = session.exec(
        select(ReminderRecord).where(
            col(ReminderRecord.sent_at).is_(None),
            col(ReminderRecord.superseded).is_(False),
            col(ReminderRecord.claimed_at) < now - CLAIM_LEASE,
        )
    ).all()
    return {_ClaimKey(r.card_id, r.item_id, r.due_on, r.days_before): r for r in expired}


def _reminded_cards(session: Session) -> list[tuple[Card, Person, TelegramProfile]]:
    """Live cards with a Telegram user who has not muted reminders (for all or this card)."""
    rows = session.exec(
        select(Card, Person, TelegramProfile)
        .join(Person, col(Person.id) == col(Card.person_id))
        .join(TelegramProfile, col(TelegramProfile.telegram_user_id) == col(Card.telegram_user_id))
        .where(
            col(Card.status).in_((Status.active.value, Status.pending_entry.value)),
            col(TelegramProfile.reminders_muted).is_(False),
        )
    ).all()
    muted = set(session.exec(select(ReminderMute.card_id)).all())
    return [(card, person, profile) for card, person, profile in rows if card.id not in muted]


def _pending_items(
    session: Session, policy: Policy, card: Card, person: Person, today: date
) -> list[_Item]:
    dones = list(session.exec(select(ChecklistDone).where(ChecklistDone.card_id == card.id)))
    permit = _latest_permit(session, card.id)
    listed = _items(
        policy=policy, card=card, person=person, dones=dones, permit=permit, today=today
    )
    return [i for i in listed if i.status == ItemStatus.pending and i.due_on is not None]


def _claim(
    session: Session,
    retry: dict[_ClaimKey, ReminderRecord],
    now: datetime,
    deadline: tuple[uuid.UUID, str, date],
    window: list[int],
) -> ReminderRecord | None:
    """Claim the latest reminder of ``window`` for a deadline (an expired claim is renewed);
    the earlier ones not yet recorded are recorded as superseded. None: already handled."""
    latest = min(window)
    key = _ClaimKey(*deadline, latest)
    record = retry.pop(key, None)
    if record is not None:
        record.claimed_at = now
        session.add(record)
        return record
    recorded = _recorded_offsets(session, *deadline)
    if latest in recorded:
        return None
    superseded = [_ClaimKey(*deadline, d) for d in window if d != latest and d not in recorded]
    return _new_claim(session, key, now, superseded=superseded)


def _recorded_offsets(session: Session, card_id: uuid.UUID, item_id: str, due_on: date) -> set[int]:
    return set(
        session.exec(
            select(ReminderRecord.days_before).where(
                ReminderRecord.card_id == card_id,
                ReminderRecord.item_id == item_id,
                ReminderRecord.due_on == due_on,
            )
        ).all()
    )


def _offsets(ob: Obligation, offsets: tuple[int, ...]) -> tuple[int, ...]:
    # The last day of the stay itself is worth a reminder too.
    return (*offsets, 0) if ob.event == Event.stay_end else offsets


def _new_claim(
    session: Session,
    key: _ClaimKey,
    now: datetime,
    superseded: list[_ClaimKey],
) -> ReminderRecord | None:
    try:
        with session.begin_nested():
            record = _claim_record(key, now)
            session.add(record)
            for earlier in superseded:
                session.add(_claim_record(earlier, now, superseded=True))
            session.flush()
        return record
    except IntegrityError:
        return None  # already claimed or sent: this is what "once" means


def _claim_record(key: _ClaimKey, now: datetime, *, superseded: bool = False) -> ReminderRecord:
    return ReminderRecord(**key._asdict(), claimed_at=now, superseded=superseded)


def confirm_sent(*, session: Session, reminder_id: int) -> None:
    record = session.get(ReminderRecord, reminder_id, with_for_update=True)
    if record is None:
        raise NotFound("no such reminder")
    if record.sent_at is None:
        record.sent_at = clock.now()
        session.add(record)


def display_number(card: Card) -> str:
    return numbers.display(card.number)


def person_language(*, session: Session, card_id: uuid.UUID) -> str:
    card = cards.get_card(session=session, card_id=card_id)
    language = cards.get_person(session=session, person_id=card.person_id).language
    return language if language in LANGUAGES else "ru"
