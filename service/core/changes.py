"""Process-local notice that a transaction changed cards, given after it commits.

In-memory views of the registry (the live card table behind verification and the status
list, see ``service.proofs.live``) follow the ``card_event`` table from a background poll.
That is how other processes' changes arrive. Changes made by this process are applied the
moment their transaction commits, so a caller who revokes a card and then verifies it on the
same worker never sees the old status.
"""

from __future__ import annotations

import functools
import logging
import threading
import weakref
from collections.abc import Callable

from sqlalchemy.engine import URL, Engine
from sqlmodel import Session

log = logging.getLogger("onboard.changes")
_FLAG = "onboard_cards_changed"
_CREATED = "onboard_cards_created"
# A card this process created: (serial, id, number, status, stay_until).
Created = tuple[int, object, str, str, object]
_lock = threading.Lock()
# Weak references: an in-memory view that is dropped without unsubscribing (an app served
# without its lifespan, in tests) stops being called instead of living on.
_listeners: dict[str, list[weakref.WeakMethod[Callable[..., None]]]] = {}


def _key(engine: Engine) -> str:
    return _url_key(engine.url)


@functools.lru_cache(maxsize=64)
def _url_key(url: URL) -> str:
    """Rendered once per URL (an immutable value): it was a few microseconds a commit."""
    return url.render_as_string(hide_password=True)


def mark(session: Session, created: Created | None = None) -> None:
    """Say that this transaction wrote a card event (called by the card service).

    ``created``: the event created this card, whose facts are all a view needs: it can put
    them in place without reading the change feed (no query, no queue behind other
    committers). Any other change is read from the feed."""
    if created is None:
        session.info[_FLAG] = True
    else:
        session.info.setdefault(_CREATED, []).append(created)


Listener = Callable[[list[Created], bool], None]  # (cards created, other changes made)


def subscribe(engine: Engine, listener: Listener) -> None:
    """``listener``: a bound method (held weakly)."""
    with _lock:
        _listeners.setdefault(_key(engine), []).append(weakref.WeakMethod(listener))  # type: ignore[arg-type]


def unsubscribe(engine: Engine, listener: Listener) -> None:
    with _lock:
        found = _listeners.get(_key(engine), [])
        found[:] = [ref for ref in found if ref() is not None and ref() != listener]


def committed(session: Session, engine: Engine) -> None:
    """Called by ``core.db.transaction`` after a commit; runs the listeners when marked."""
    changed = bool(session.info.pop(_FLAG, False))
    created: list[Created] = session.info.pop(_CREATED, None) or []
    if not changed and not created:
        return
    with _lock:
        refs = _listeners.get(_key(engine), [])
        refs[:] = [ref for ref in refs if ref() is not None]
        listeners = [ref() for ref in refs]
    for listener in listeners:
        if listener is None:
            continue
        try:
            listener(created, changed)
        except Exception:
            # The background poll catches up; the committed change itself is safe.
            log.exception("a card-change listener failed")
