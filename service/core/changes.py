"""Process-local notice that a transaction changed cards, given after it commits.

In-memory views of the registry (the live card table behind verification and the status
list, see ``service.proofs.live``) follow the ``card_event`` table from a background poll.
That is how other processes' changes arrive. Changes made by this process are applied the
moment their transaction commits, so a caller who revokes a card and then verifies it on the
same worker never sees the old status.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

log = logging.getLogger("onboard.changes")
_FLAG = "onboard_cards_changed"
_lock = threading.Lock()
# Weak references: an in-memory view that is dropped without unsubscribing (an app served
# without its lifespan, in tests) stops being called instead of living on.
_listeners: dict[str, list[weakref.WeakMethod[Callable[[], None]]]] = {}


def _key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def mark(session: Session) -> None:
    """Say that this transaction wrote a card event (called by the card service)."""
    session.info[_FLAG] = True


def subscribe(engine: Engine, listener: Callable[[], None]) -> None:
    """``listener``: a bound method (held weakly)."""
    with _lock:
        _listeners.setdefault(_key(engine), []).append(weakref.WeakMethod(listener))  # type: ignore[arg-type]


def unsubscribe(engine: Engine, listener: Callable[[], None]) -> None:
    with _lock:
        found = _listeners.get(_key(engine), [])
        found[:] = [ref for ref in found if ref() is not None and ref() != listener]


def committed(session: Session, engine: Engine) -> None:
    """Called by ``core.db.transaction`` after a commit; runs the listeners when marked."""
    if not session.info.pop(_FLAG, False):
        return
    with _lock:
        refs = _listeners.get(_key(engine), [])
        refs[:] = [ref for ref in refs if ref() is not None]
        listeners = [ref() for ref in refs]
    for listener in listeners:
        if listener is None:
            continue
        try:
            listener()
        except Exception:
            # The background poll catches up; the committed change itself is safe.
            log.exception("a card-change listener failed")
