"""The registry's trust data held in memory: what verification and the status list need.

Per card serial this process keeps the card's id, number, stored status and stay end in
compact arrays (31 bytes a card: 31 MB for a million), and the status list's bit array
beside them. They are loaded once at start and then follow the ``card_event`` table (every
change of a card writes an event in the same transaction): a background task asks for the
events after the last one seen every ``status_feed_poll_seconds`` (0.5 s) and applies the
card's current row for each. Changes made by this process are applied the moment they
commit (``service.core.changes``).

Why polling and not PostgreSQL ``LISTEN/NOTIFY``: the same code serves SQLite and
PostgreSQL; a notification lost while a listener reconnects is a change never seen, whereas
a poll by primary key cannot miss one (see ``_gaps``); and the poll is one index range scan
that returns nothing most of the time. Its cost is the staleness bound, which is the poll
interval plus the time of one query.

Event ids on PostgreSQL come from a sequence: a transaction can take id 10, another id 11
and commit first. The poll that sees 11 but not 10 remembers 10 as a gap and asks for it
again on every poll for ``_GAP_SECONDS``; an id whose transaction rolled back stays a gap
and is then forgotten.

The status list (2 bits per serial, see ``statuslist``) is signed again after a poll that
changed bits, so at most once per poll interval, and served from memory with an ``ETag``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from service.cards.models import Card, CardEvent, Status
from service.core import changes, clock
from service.core.db import read_only
from service.proofs import statuslist
from service.proofs.keys import KeyStore

log = logging.getLogger("onboard.live")

_CODES = {
    Status.pending_entry.value: 1,
    Status.active.value: 2,
    Status.closed.value: 3,
    Status.revoked.value: 4,
}
_NAMES = {code: name for name, code in _CODES.items()}
_LIST_VALUE = {3: statuslist.CLOSED, 4: statuslist.REVOKED}
_NUMBER = 10  # characters of a stored card number (9 symbols and a check symbol)
_EPOCH = date(1970, 1, 1)
_PAGE = 20_000  # events per query when catching up
_GAP_SECONDS = 60.0
# Ids a held transaction can take before a later one commits: an archive import batch writes
# 5,000 events in one transaction, two batches at once on PostgreSQL (archive.importer).
_GAP_SPAN = 20_000
_OPEN = (Status.pending_entry.value, Status.active.value)


def _runs(ids: dict[int, float]) -> list[tuple[int, int]]:
    """The ids as runs of consecutive ids, (first, last) each, in order."""
    runs: list[tuple[int, int]] = []
    for i in sorted(ids):
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


@dataclass(frozen=True)
class LiveCard:
    """One card as verification sees it (no personal data)."""

    id: uuid.UUID
    serial: int
    number: str
    status: str  # stored status
    stay_until: date

    def status_now(self, today: date | None = None) -> Status:
        """The effective status: an open card past its stay is expired (as cards.service)."""
        today = today or clock.today()
        if self.status in _OPEN and self.stay_until < today:
            return Status.expired
        return Status(self.status)


@dataclass(frozen=True)
class SignedList:
    body: str
    etag: str
    version: int
    kid: str
    signed_at: float  # monotonic


class LiveCards:
    def __init__(self, engine: Engine) -> None:
        self._engine = read_only(engine)
        self._source = engine
        self._lock = threading.Lock()  # one loader or poller at a time
        self._tickets = threading.Lock()
        self._requested = 0  # commits announced by this process
        self._served = 0  # announced commits that a finished read has covered
        self._ids = bytearray()
        self._numbers = bytearray()
        self._status = bytearray()
        self._stay = array("i")
        self._bits = bytearray()
        self._size = 0  # highest serial + 1
        self._last_id = 0
        self._gaps: dict[int, float] = {}
        self.version = 0  # bumped whenever the status list's bits change
        self.as_of: datetime | None = None  # when the last successful read of changes began
        self.loaded_at = 0.0
        self._signed: dict[str, SignedList] = {}
        self._subscribed = False

    # -- loading and following -------------------------------------------------------

    def load(self) -> None:
        """Read every card (start, and a periodic safety net against any missed change)."""
        with self._lock:
            self._load_locked()
        if not self._subscribed:
            changes.subscribe(self._source, self.after_commit)
            self._subscribed = True

    def _load_locked(self) -> None:
        started = clock.now()
        with Session(self._engine) as session:
            last = int(session.execute(select(func.max(col(CardEvent.id)))).scalar() or 0)
            held = self._missing_below(session, last)
            top = session.execute(select(func.max(col(Card.serial)))).scalar()
            # Read into new arrays: requests keep reading these until the swap below.
            staged = LiveCards(self._source)
            staged._reset(max(int(top or 0) + 1, self._size))
            rows = session.execute(
                select(
                    col(Card.serial),
                    col(Card.id),
                    col(Card.number),
                    col(Card.status),
                    col(Card.stay_until),
                ).execution_options(yield_per=10_000)
            )
            for serial, card_id, number, status, stay in rows:
                staged._put(int(serial), card_id, number, status, stay)
        self._swap(staged)
        self._last_id = last
        # Kept: an event still held when this load began may be older than a known gap.
        now = time.monotonic()
        for missing in held:
            self._gaps.setdefault(missing, now)
        self.version += 1
        self.as_of = started
        self.loaded_at = time.monotonic()

    @staticmethod
    def _missing_below(session: Session, last: int) -> list[int]:
        """The ids below the highest event that are not (yet) committed: on PostgreSQL a
        transaction can hold one while a later id commits. The cards read next do not show
        its change, and the feed resumes after ``last``: they are gaps, asked for again."""
        low = max(last - _GAP_SPAN, 0)
        rows = session.execute(
            select(col(CardEvent.id)).where(col(CardEvent.id) > low, col(CardEvent.id) <= last)
        ).scalars()
        return sorted(set(range(low + 1, last + 1)) - {int(i) for i in rows})

    def close(self) -> None:
        if self._subscribed:
            changes.unsubscribe(self._source, self.after_commit)
            self._subscribed = False

    def ensure_loaded(self) -> None:
        if self.as_of is None:
            self.load()

    def after_commit(self, created: Sequence[changes.Created] = (), changed: bool = True) -> None:
        """This process committed a card change: apply it before the request answers.
        A new card is put in its empty slot as it is (a slot already filled was filled from
        the feed, which is never older than the creation). Other changes are read from the
        feed: committers arriving together are served by one read (each waits for a read
        that began after its commit), so concurrent changes do not queue one query each."""
        if created:
            with self._lock:
                for serial, card_id, number, status, stay in created:
                    if serial >= self._size or self._status[serial] == 0:
                        self._put(serial, card_id, number, status, stay)  # type: ignore[arg-type]
        if not changed:
            return
        with self._tickets:
            self._requested += 1
            mine = self._requested
        with self._lock:
            if self._served >= mine:
                return
            upto = self._requested
            self._sync_locked()
            self._served = upto

    def sync(self) -> int:
        """Apply the events committed since the last one seen; returns how many."""
        with self._lock:
            return self._sync_locked()

    def _sync_locked(self) -> int:
        if self.as_of is None:
            self._load_locked()
            return 0
        applied = 0
        started = clock.now()
        with Session(self._engine) as session:
            while True:
                rows = self._changes(session)
                for event_id, serial, card_id, number, status, stay in rows:
                    self._gaps.pop(event_id, None)
                    self._put(int(serial), card_id, number, status, stay)
                    if event_id > self._last_id:
                        self._note_gaps(event_id)
                        self._last_id = event_id
                applied += len(rows)
                if len(rows) < _PAGE:
                    break
        self._forget_old_gaps()
        self.as_of = started
        return applied

    def _changes(self, session: Session) -> list[Any]:
        et, ct = CardEvent.__table__, Card.__table__  # type: ignore[attr-defined]
        e, c = et.c, ct.c
        where = e.id > bindparam("last")
        params: dict[str, Any] = {"last": self._last_id}
        # Runs of consecutive gaps (a held batch) as a range each, lone ids in one list.
        runs = _runs(self._gaps)
        alone = [low for low, high in runs if low == high]
        if alone:
            where = or_(where, e.id.in_(bindparam("gaps", expanding=True)))
            params["gaps"] = alone
        for n, (low, high) in enumerate(r for r in runs if r[0] != r[1]):
            where = or_(where, e.id.between(bindparam(f"lo{n}"), bindparam(f"hi{n}")))
            params[f"lo{n}"], params[f"hi{n}"] = low, high
        stmt = (
            select(e.id, c.serial, c.id, c.number, c.status, c.stay_until)
            .select_from(et.join(ct, c.id == e.card_id))
            .where(where)
            .order_by(e.id)
            .limit(_PAGE)
        )
        return list(session.execute(stmt, params).all())

    def _note_gaps(self, event_id: int) -> None:
        now = time.monotonic()
        for missing in range(self._last_id + 1, min(event_id, self._last_id + _GAP_SPAN + 1)):
            self._gaps.setdefault(missing, now)

    def _forget_old_gaps(self) -> None:
        if self._gaps:
            cutoff = time.monotonic() - _GAP_SECONDS
            self._gaps = {k: t for k, t in self._gaps.items() if t >= cutoff}

    # -- the arrays --------------------------------------------------------------------

    def _swap(self, other: LiveCards) -> None:
        """Take ``other``'s arrays (a full reload), the size last: a reader checks a serial
        against the size, then indexes arrays at least that long (serials only grow)."""
        self._ids, self._numbers, self._status = other._ids, other._numbers, other._status
        self._stay, self._bits = other._stay, other._bits
        self._size = other._size

    def _reset(self, size: int) -> None:
        self._ids = bytearray(16 * size)
        self._numbers = bytearray(_NUMBER * size)
        self._status = bytearray(size)
        self._stay = array("i", bytes(4 * size))
        self._bits = bytearray((size * statuslist.BITS + 7) // 8)
        self._size = size

    def _grow(self, size: int) -> None:
        if size <= self._size:
            return
        more = size - self._size
        self._ids += bytes(16 * more)
        self._numbers += bytes(_NUMBER * more)
        self._status += bytes(more)
        self._stay.frombytes(bytes(4 * more))
        need = (size * statuslist.BITS + 7) // 8
        if need > len(self._bits):
            self._bits += bytes(need - len(self._bits))
        self._size = size
        self.version += 1

    def _put(self, serial: int, card_id: uuid.UUID, number: str, status: str, stay: date) -> None:
        if serial < 0:
            return
        self._grow(serial + 1)
        self._ids[16 * serial : 16 * serial + 16] = card_id.bytes
        self._numbers[_NUMBER * serial : _NUMBER * serial + _NUMBER] = number.encode().ljust(
            _NUMBER
        )[:_NUMBER]
        code = _CODES.get(status, 0)
        self._stay[serial] = (stay - _EPOCH).days
        if self._status[serial] != code:
            self._status[serial] = code
            before = statuslist.get_status(self._bits, serial)
            value = _LIST_VALUE.get(code, statuslist.VALID)
            if before != value:
                bit = serial * statuslist.BITS
                mask = ((1 << statuslist.BITS) - 1) << (bit % 8)
                self._bits[bit // 8] = (self._bits[bit // 8] & ~mask & 0xFF) | (value << (bit % 8))
                self.version += 1

    # -- reading (event loop; no database) ------------------------------------------

    def card(self, serial: int) -> LiveCard | None:
        if serial < 0 or serial >= self._size:
            return None
        code = self._status[serial]
        if code == 0:
            return None
        return LiveCard(
            id=uuid.UUID(bytes=bytes(self._ids[16 * serial : 16 * serial + 16])),
            serial=serial,
            number=self._numbers[_NUMBER * serial : _NUMBER * serial + _NUMBER].decode().rstrip(),
            status=_NAMES[code],
            stay_until=_EPOCH + timedelta(days=self._stay[serial]),
        )

    def status_counts(self) -> dict[str, int]:
        """Cards by stored status (a count over one byte per card)."""
        data = bytes(self._status)
        return {name: n for code, name in _NAMES.items() if (n := data.count(code))}

    def bits(self) -> bytes:
        return bytes(self._bits)

    # -- the signed status list --------------------------------------------------------

    def signed_list(
        self, *, uri: str, keys: KeyStore, issuer: str, ttl: timedelta, valid_for: timedelta
    ) -> SignedList:
        """The signed list for this URI: the cached one while the bits and the key are the
        same and it is younger than ``ttl``; otherwise signed now."""
        key = keys.active()
        cached = self._signed.get(uri)
        if (
            cached is not None
            and cached.version == self.version
            and cached.kid == key.kid
            and time.monotonic() - cached.signed_at < ttl.total_seconds()
        ):
            return cached
        version = self.version
        body = statuslist.sign_list(
            self.bits(),
            key=key,
            uri=uri,
            issuer=issuer,
            now=clock.now(),
            ttl=ttl,
            valid_for=valid_for,
        )
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
        signed = SignedList(body, etag, version, key.kid, time.monotonic())
        if len(self._signed) > 16:  # a few host names at most; never grow without bound
            self._signed.clear()
        self._signed[uri] = signed
        return signed

    def resign_known(
        self, *, keys: KeyStore, issuer: str, ttl: timedelta, valid_for: timedelta
    ) -> None:
        """After a poll: sign again the lists already served, so requests find them fresh."""
        for uri in list(self._signed):
            self.signed_list(uri=uri, keys=keys, issuer=issuer, ttl=ttl, valid_for=valid_for)
