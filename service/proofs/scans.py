"""Checks made on an officer's device without network, uploaded later in batches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from service.cards import numbers
from service.cards.models import Card
from service.core.errors import InvalidInput
from service.proofs.models import OfflineScanIn, ScanEvent, ScanList, ScanOut, Verdict


def record_offline(
    *,
    session: Session,
    actor: str,
    items: Sequence[OfflineScanIn],
    now: datetime,
    max_age: timedelta,
    skew: timedelta,
) -> int:
    """Record each check once per (actor, client_id); return how many were new. The whole
    batch is refused, naming the item, when one item is out of bounds."""
    errors = [e for i, item in enumerate(items) for e in _problems(i, item, now, max_age, skew)]
    if errors:
        raise InvalidInput(
            "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5]), errors=errors
        )
    by_serial, by_number = _cards_named(session, items)
    rows = []
    seen: set[str] = set()
    for item in items:
        if item.client_id in seen:
            continue
        seen.add(item.client_id)
        rows.append(
            {
                "at": _utc(item.checked_at),
                "actor": actor,
                "card_id": _card_id(item, by_serial, by_number),
                "verdict": item.verdict.value,
                "offline": True,
                "client_id": item.client_id,
                "revocation_confirmed": item.revocation_confirmed,
            }
        )
    table = ScanEvent.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    # Conflicting rows (already recorded) are skipped; RETURNING lists only the new ones.
    statement = insert.on_conflict_do_nothing(index_elements=["actor", "client_id"]).returning(
        table.c.id
    )
    return len(session.execute(statement, rows).all())


def _problems(
    index: int, item: OfflineScanIn, now: datetime, max_age: timedelta, skew: timedelta
) -> list[dict[str, str]]:
    """What is wrong with one item of the batch (nothing, mostly)."""
    found = []
    at = _utc(item.checked_at)
    if at > now + skew:
        found.append({"field": f"items.{index}.checked_at", "reason": "is in the future"})
    elif at < now - max_age:
        reason = f"is older than {max_age.days} days"
        found.append({"field": f"items.{index}.checked_at", "reason": reason})
    # A forged or unreadable proof names no card anyone can trust; any other verdict is
    # about a card, named by its serial and/or number.
    unnamed = item.card_serial is None and item.card_number is None
    if unnamed and item.verdict not in (Verdict.invalid, Verdict.unknown_key):
        reason = "name the card by card_serial or card_number"
        found.append({"field": f"items.{index}", "reason": reason})
    if item.card_number is not None and numbers.normalize(item.card_number) is None:
        found.append({"field": f"items.{index}.card_number", "reason": "not a valid card number"})
    return found


def _cards_named(
    session: Session, items: Sequence[OfflineScanIn]
) -> tuple[dict[int, tuple[object, str]], dict[str, object]]:
    """The cards the batch names: by serial (with their numbers), and by number."""
    serials = {i.card_serial for i in items if i.card_serial is not None}
    canonical = {numbers.normalize(i.card_number) for i in items if i.card_number is not None}
    by_serial: dict[int, tuple[object, str]] = {}
    by_number: dict[str, object] = {}
    if serials:
        for card_id, serial, number in session.exec(
            select(Card.id, Card.serial, Card.number).where(col(Card.serial).in_(serials))
        ).all():
            by_serial[int(serial)] = (card_id, number)
    if canonical:
        for card_id, number in session.exec(
            select(Card.id, Card.number).where(col(Card.number).in_(canonical))
        ).all():
            by_number[number] = card_id
    return by_serial, by_number


def _card_id(
    item: OfflineScanIn, by_serial: dict[int, tuple[object, str]], by_number: dict[str, object]
) -> object | None:
    """The card the check was about; a serial and a number that disagree name no card."""
    number = numbers.normalize(item.card_number) if item.card_number is not None else None
    if item.card_serial is not None:
        found = by_serial.get(item.card_serial)
        if found is None or (number is not None and found[1] != number):
            return None
        return found[0]
    return by_number.get(number) if number is not None else None


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    try:
        return at.astimezone(UTC)
    except OverflowError:  # 0001-01-01 at +01:00, or 9999-12-31 at -01:00: out of range
        offset = at.utcoffset()
        late = offset is not None and offset.total_seconds() < 0
        return (datetime.max if late else datetime.min).replace(tzinfo=UTC)


def recent(*, session: Session, actor: str, limit: int) -> ScanList:
    """An officer's own most recent checks, newest first, with the card's number."""
    rows = session.exec(
        select(ScanEvent, Card.number)
        .join(Card, col(Card.id) == col(ScanEvent.card_id), isouter=True)
        .where(ScanEvent.actor == actor)
        .order_by(col(ScanEvent.at).desc(), col(ScanEvent.id).desc())
        .limit(limit)
    ).all()
    return ScanList(
        items=[
            ScanOut(
                at=s.at,
                verdict=s.verdict,
                card_number=numbers.display(n) if n else None,
                offline=s.offline,
                revocation_confirmed=s.revocation_confirmed,
            )
            for s, n in rows
        ]
    )
