"""What the command groups share: migrations first, one transaction per command."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlmodel import Session

from service.core.config import get_settings
from service.core.db import get_engine, transaction

if TYPE_CHECKING:
    # argparse's type for what add_subparsers() returns is private.
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Commands = argparse._SubParsersAction


def migrate() -> None:
    from service.core.migrate import upgrade

    upgrade(get_settings().resolved_database_url)


@contextmanager
def session() -> Iterator[Session]:
    """A session for one CLI command, after migrations; commits when the command succeeds."""
    migrate()
    with transaction(get_engine()) as db:
        yield db
