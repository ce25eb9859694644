"""/stats/course from a snapshot (issue 17 item 7). Aggregating every quiz attempt takes
seconds at a million attempts, so the cells are computed now and then and kept in
``course_stats_snapshot``, one row per course version, with every cell (small ones too: the
minimum cell size is applied when answering, so one snapshot serves any setting).

A snapshot is exact while ``max(course_attempt.id)`` (a primary key look-up) is still the one
it was computed at. Otherwise it is served as it is while younger than
``stats_refresh_seconds`` (the answer says ``as_of``), and computed again after that: by one
request at a time on PostgreSQL (an advisory lock; the others serve the old snapshot), and by
the API's background loop (service.main) before requests have to.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, text
from sqlmodel import Session, col, select

from service.cards.models import Person
from service.core import clock
from service.course.content import Course
from service.course.models import CourseAttempt, CourseStats, CourseStatsSnapshot, StatsCell

# pg_try_advisory_xact_lock(_LOCK_CLASS, course_version): one recomputation at a time.
_LOCK_CLASS = 0x0C057A75


def compute_cells(*, session: Session, version: int) -> list[dict[str, Any]]:
    """Per module, language and citizenship: people who started and passed, mean score and
    attempts; every cell, however small."""
    # Two levels instead of COUNT(DISTINCT person): first one row per person, module and
    # language (a hash aggregate over the attempts), then the cells over those rows. The same
    # figures, without sorting every attempt to find the distinct people.
    per_person = (
        select(  # type: ignore[call-overload]
            col(CourseAttempt.module).label("module"),
            col(CourseAttempt.language).label("language"),
            col(CourseAttempt.person_id).label("person_id"),
            func.max(case((col(CourseAttempt.passed).is_(True), 1), else_=0)).label("passed"),
            func.sum(col(CourseAttempt.score)).label("score"),
            func.count().label("attempts"),
        )
        .where(CourseAttempt.course_version == version)
        .group_by(
            col(CourseAttempt.module), col(CourseAttempt.language), col(CourseAttempt.person_id)
        )
        .subquery()
    )
    attempts = func.sum(per_person.c.attempts)
    rows = session.execute(
        select(  # type: ignore[call-overload]
            per_person.c.module,
            per_person.c.language,
            col(Person.citizenship),
            func.count(),
            func.sum(per_person.c.passed),
            func.sum(per_person.c.score) / attempts,
            attempts,
        )
        .join(Person, col(Person.id) == per_person.c.person_id)
        .group_by(per_person.c.module, per_person.c.language, col(Person.citizenship))
        .order_by(per_person.c.module, per_person.c.language, col(Person.citizenship))
    ).all()
    return [
        {
            "module": module,
            "language": language,
            "citizenship": citizenship,
            "started": int(people),
            "passed": int(passed),
            "mean_score": float(mean),
            "attempts": int(tries),
        }
        for module, language, citizenship, people, passed, mean, tries in rows
    ]


def _served(cell: dict[str, Any]) -> StatsCell:
    """A stored cell as served: with its pass rate, its mean score rounded."""
    rate = round(cell["passed"] / cell["started"], 4)
    mean = round(cell["mean_score"], 4)
    return StatsCell.model_validate({**cell, "pass_rate": rate, "mean_score": mean})


def answer(*, course: Course, snapshot: CourseStatsSnapshot, min_cell: int) -> CourseStats:
    """The snapshot as served: cells of fewer than ``min_cell`` people are left out (counted)."""
    cells = [_served(c) for c in snapshot.cells if c["started"] >= min_cell]
    return CourseStats(
        course_id=course.id,
        course_version=snapshot.course_version,
        min_cell=min_cell,
        suppressed_cells=len(snapshot.cells) - len(cells),
        cells=cells,
        as_of=snapshot.computed_at,
    )


def latest_attempt_id(session: Session) -> int:
    """The highest course_attempt.id (0 when there is none): the primary key's end."""
    return int(session.execute(select(func.max(col(CourseAttempt.id)))).scalar() or 0)


def is_current(
    snapshot: CourseStatsSnapshot | None, *, latest: int, refresh_seconds: float
) -> bool:
    """Exact (no attempt since), or younger than the refresh period."""
    if snapshot is None:
        return False
    if snapshot.max_attempt_id == latest:
        return True
    return clock.now() - snapshot.computed_at < timedelta(seconds=refresh_seconds)


def _lock(session: Session, version: int, *, wait: bool) -> bool:
    """Take the recomputation lock for this version until the transaction ends; False when
    another transaction holds it (and ``wait`` is off). SQLite writers are serialised by
    service.core.db already."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    got = session.execute(
        text(f"SELECT {function}(:k, :v)"), {"k": _LOCK_CLASS, "v": version}
    ).scalar()
    return got is not False


def refresh(*, session: Session, version: int, latest: int) -> CourseStatsSnapshot:
    """Compute the cells now and store them as the snapshot of ``version``."""
    # ``latest`` was read before the aggregate: attempts added meanwhile may be counted
    # already, and only make the next look recompute once more. An attempt whose transaction
    # was still open with a lower id than ``latest`` is missed until the next attempt makes
    # the snapshot stale (attempt transactions last milliseconds).
    snapshot = CourseStatsSnapshot(
        course_version=version,
        max_attempt_id=latest,
        cells=compute_cells(session=session, version=version),
        computed_at=clock.now(),
    )
    stored = session.merge(snapshot)
    session.flush()
    return stored


def current(*, session: Session, version: int, refresh_seconds: float) -> CourseStatsSnapshot:
    """The snapshot to answer from, computed again first when it is stale and no other
    request is computing it already (that one's older snapshot is served meanwhile)."""
    latest = latest_attempt_id(session)
    snapshot = session.get(CourseStatsSnapshot, version)
    if is_current(snapshot, latest=latest, refresh_seconds=refresh_seconds):
        assert snapshot is not None
        return snapshot
    if snapshot is not None and not _lock(session, version, wait=False):
        return snapshot
    if snapshot is None:
        # Nothing to serve meanwhile: wait for the one computing it, then look again.
        _lock(session, version, wait=True)
        session.expire_all()
        snapshot = session.get(CourseStatsSnapshot, version)
        if is_current(snapshot, latest=latest, refresh_seconds=refresh_seconds):
            assert snapshot is not None
            return snapshot
    return refresh(session=session, version=version, latest=latest)


def course_stats(
    *, session: Session, course: Course, version: int, min_cell: int, refresh_seconds: float
) -> CourseStats:
    """Per module, language and citizenship: people who started and passed, pass rate and
    mean score, as of the snapshot's time. Cells of fewer than ``min_cell`` people are left
    out (only counted)."""
    snapshot = current(session=session, version=version, refresh_seconds=refresh_seconds)
    return answer(course=course, snapshot=snapshot, min_cell=min_cell)


def refresh_if_stale(*, session: Session, version: int, refresh_seconds: float) -> bool:
    """For the background loop: compute the snapshot again when attempts were added and it is
    older than half the refresh period (so requests seldom find it stale). True if it did."""
    latest = latest_attempt_id(session)
    snapshot = session.get(CourseStatsSnapshot, version)
    if is_current(snapshot, latest=latest, refresh_seconds=refresh_seconds / 2):
        return False
    if not _lock(session, version, wait=False):
        return False
    refresh(session=session, version=version, latest=latest)
    return True
