"""Fixtures for the course tests."""

from __future__ import annotations

import pytest

from service.core.config import get_settings
from service.course import content


@pytest.fixture(scope="session")
def course() -> content.Course:
    """The real course, as the service loads it (its answer key tells the tests what is right)."""
    return content.get_course(get_settings().content_dir)
