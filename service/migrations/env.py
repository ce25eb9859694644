"""Alembic environment: the URL comes from the caller (service.core.migrate), not a .ini."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import service.accounts.models  # noqa: F401  (registers tables)
import service.archive.models  # noqa: F401
import service.cards.models  # noqa: F401
import service.checklist.models  # noqa: F401
import service.course.models  # noqa: F401
import service.proofs.models  # noqa: F401
import service.stats.models  # noqa: F401
import service.telegram.models  # noqa: F401
import service.webhooks.models  # noqa: F401
from service.core.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
