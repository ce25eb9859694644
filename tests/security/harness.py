"""Test helpers shared by the tests of this folder (imported, not collected; the
fixtures that use them are in conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from service.core.db import make_engine
from tests import factories
from tests.e2e.server import Server, serve


@dataclass
class Live:
    server: Server
    actors: factories.Actors
    database_url: str
    data_dir: Path

    @property
    def url(self) -> str:
        return self.server.url

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.url, timeout=30)


def start_live(
    tmp_path_factory: pytest.TempPathFactory, extra_env: dict[str, str] | None = None
) -> Iterator[Live]:
    data_dir = tmp_path_factory.mktemp("live")
    database_url = f"sqlite:///{data_dir / 'onboard.db'}"
    env = {"ONBOARD_SECRET_KEY": factories.TOKEN_SECRET, **(extra_env or {})}
    with serve(data_dir, database_url=database_url, extra_env=env) as server:
        engine = make_engine(database_url)
        try:
            actors = factories.make_actors(engine)
        finally:
            engine.dispose()
        yield Live(server=server, actors=actors, database_url=database_url, data_dir=data_dir)
