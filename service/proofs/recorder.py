"""Scan records written in batches off the request path.

An online check must be recorded, but making every verification wait for its own INSERT and
COMMIT would bound verification by the database's commit rate. Each process queues records
in memory and a background thread writes them in one transaction every quarter second (or
at once when 500 are waiting). A record can be lost only if the process dies inside that
window; ``flush()`` writes everything queued (shutdown, and before a scan list is read).
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from service.core.db import transaction
from service.proofs.models import ScanEvent

log = logging.getLogger("onboard.scans")
_BATCH = 500
_INTERVAL = 0.25


class ScanRecorder:
    def __init__(self, engine: Engine, on_record: Callable[[str], None] | None = None) -> None:
        self._engine = engine
        self._on_record = on_record  # metrics: verifications by verdict
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Lock()  # one writer at a time: the thread or a flush()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="scan-recorder", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.flush()

    def record(self, *, at: datetime, actor: str, card_id: uuid.UUID | None, verdict: str) -> None:
        self._queue.put({"at": at, "actor": actor, "card_id": card_id, "verdict": verdict})
        if self._on_record is not None:
            self._on_record(verdict)
        if self._thread is None:  # not started (CLI, some tests): write through
            self.flush()

    def flush(self) -> int:
        with self._lock:
            rows: list[dict[str, Any]] = []
            while True:
                try:
                    rows.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if rows:
                try:
                    with transaction(self._engine) as session:
                        session.execute(ScanEvent.__table__.insert(), rows)  # type: ignore[attr-defined]
                except Exception:
                    log.exception("could not write scan records; keeping them queued")
                    for row in rows:
                        self._queue.put(row)
                    return 0
            return len(rows)

    def _run(self) -> None:
        while not self._stop.wait(_INTERVAL):
            if self._queue.qsize():
                self.flush()
