"""A real `onboard serve` process per test module, with one account per role and one key per
scope, for replaying attacks over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.security.harness import Live, start_live


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A served API on SQLite shared by the tests of one module."""
    yield from start_live(tmp_path_factory)
