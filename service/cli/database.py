"""`onboard db` and `onboard stats`: schema migrations and the statistics roll-up."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from service.cli.common import Commands, migrate
from service.core.config import get_settings
from service.core.db import get_engine, transaction

if TYPE_CHECKING:
    from service.checklist.policy import Policy


def register(commands: Commands) -> None:
    db = commands.add_parser("db", help="database maintenance").add_subparsers()
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=_db_upgrade)
    st = commands.add_parser("stats", help="statistics roll-up").add_subparsers()
    st.add_parser(
        "fold", help="add cards created up to 10 s ago to the daily roll-up (the API does it too)"
    ).set_defaults(func=_stats_fold)
    st.add_parser(
        "rebuild", help="compute the monthly and outcome roll-ups from every card again"
    ).set_defaults(func=_stats_rebuild)


def _db_upgrade(args: argparse.Namespace) -> int:
    migrate()
    print("database is at the latest schema", file=sys.stderr)
    return 0


def _policy() -> Policy:
    from service.checklist import policy as policies

    return policies.load(get_settings().policy_dir or policies.DEFAULT_DIR)


def _stats_fold(args: argparse.Namespace) -> int:
    from service.stats import rollup

    policy = _policy()
    with transaction(get_engine()) as session:
        folded = rollup.fold(session=session, policy=policy)
    print(f"{folded} cards added to the statistics roll-up", file=sys.stderr)
    return 0


def _stats_rebuild(args: argparse.Namespace) -> int:
    from service.stats import cube, rollup

    policy = _policy()
    with transaction(get_engine()) as session:
        rollup.watermark(session, for_update=True)  # the folds' lock
        cards = cube.rebuild(session=session, policy=policy)
    print(f"monthly and outcome roll-ups rebuilt from {cards} cards", file=sys.stderr)
    return 0
