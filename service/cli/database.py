"""`onboard db` and `onboard stats`: schema migrations and the statistics roll-up."""

from __future__ import annotations

import argparse
import sys

from service.cli.common import Commands, migrate
from service.core.db import get_engine, transaction


def register(commands: Commands) -> None:
    db = commands.add_parser("db", help="database maintenance").add_subparsers()
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=_db_upgrade)
    st = commands.add_parser("stats", help="statistics roll-up").add_subparsers()
    st.add_parser(
        "fold", help="add cards created up to 10 s ago to the daily roll-up (the API does it too)"
    ).set_defaults(func=_stats_fold)


def _db_upgrade(args: argparse.Namespace) -> int:
    migrate()
    print("database is at the latest schema", file=sys.stderr)
    return 0


def _stats_fold(args: argparse.Namespace) -> int:
    from service.stats import rollup

    with transaction(get_engine()) as session:
        folded = rollup.fold(session=session)
    print(f"{folded} cards added to the statistics roll-up", file=sys.stderr)
    return 0
