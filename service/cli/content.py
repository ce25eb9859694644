"""`onboard content check`: the course, the guide and the deadline policy, checked as the
service loads them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from service.cli.common import Commands
from service.core import clock
from service.core.config import get_settings

if TYPE_CHECKING:
    from service.checklist.policy import Policy
    from service.course.content import Course


def register(commands: Commands) -> None:
    cont = commands.add_parser(
        "content", help="the adaptation course, the guide and the deadline policy"
    ).add_subparsers()
    cc = cont.add_parser(
        "check",
        help="validate the course content and the deadline policy; exit 1 on any problem",
    )
    cc.add_argument("--dir", type=Path, help="content directory (default: the configured one)")
    cc.add_argument(
        "--policy-dir", type=Path, help="deadline policy directory (default: the configured one)"
    )
    cc.set_defaults(func=_content_check)


def _content_check(args: argparse.Namespace) -> int:
    from service.course import content, glossary

    settings = get_settings()
    path = args.dir if args.dir is not None else settings.content_dir
    course, problems = content.check(path)
    problems += glossary.check(path, args.policy_dir or settings.policy_dir)
    policy_summary = _policy_check(args.policy_dir or settings.policy_dir)
    if problems or course is None:
        for problem in problems:
            print(problem)
        print(f"onboard: {len(problems)} problem(s) in the course content", file=sys.stderr)
        return 1
    if policy_summary is None:
        return 1
    stale = content.stale_facts(course, clock.today())
    if stale:
        for line in stale:
            print(line)
        print(f"onboard: {len(stale)} fact(s) past their own dates", file=sys.stderr)
        return 1
    print(policy_summary)
    for fact in content.facts_due(course, clock.today()):
        print(f"warning: fact {fact.id} was due for review by {fact.review_by}", file=sys.stderr)
    print(_course_summary(course))
    return 0


def _course_summary(course: Course) -> str:
    pages = sum(len(t.pages) for m in course.modules for t in m.lessons.values())
    languages = ", ".join(f"{k} ({v})" for k, v in course.languages.items())
    return (
        f"{course.id} version {course.version}: {len(course.modules)} modules "
        f"({pages} lesson pages), {len(course.guide)} guide sections, "
        f"{len(course.facts)} facts; languages: {languages}. No problems found."
    )


def _policy_check(directory: Path | None) -> str | None:
    """Load the deadline policy as the service does: its summary, or None after printing what
    is wrong (obligations overdue for review are warned of)."""
    from service.checklist import policy as policies

    try:
        policy = policies.load(directory or policies.DEFAULT_DIR)
    except policies.PolicyError as exc:
        print(exc)
        print("onboard: a problem in the deadline policy", file=sys.stderr)
        return None
    _warn_reviews(policy)
    years = ", ".join(str(y) for y in sorted(policy.calendar.years))
    pending = ", ".join(
        str(y) for y, t in sorted(policy.calendar.transfers.items()) if not t.entered
    )
    return (
        f"deadline policy version {policy.version}: {len(policy.obligations)} obligations, "
        f"{len(policy.regimes.ids)} regimes, production calendars for {years}"
        + (f" ({pending} not final: working days there are approximate)" if pending else "")
        + ". No problems found."
    )


def _warn_reviews(policy: Policy) -> None:
    today = clock.today()
    for ob in policy.obligations:
        if ob.review_by < today:
            print(
                f"warning: obligation {ob.id} was due for review by {ob.review_by}",
                file=sys.stderr,
            )
    for group in policy.regimes.groups.values():
        if group.review_by < today:
            print(
                f"warning: citizenship group {group.id} was due for review by {group.review_by}",
                file=sys.stderr,
            )
