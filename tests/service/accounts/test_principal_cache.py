"""The short-lived caller cache: its bound counts from the database read, not the answer."""

from __future__ import annotations

import time
import uuid

from service.accounts.access import Principal
from service.accounts.cache import PrincipalCache
from service.accounts.models import Role


def _officer() -> Principal:
    return Principal(kind="user", id=uuid.uuid4(), name="o", role=Role.officer)


def test_the_bound_counts_from_when_the_account_was_read() -> None:
    cache = PrincipalCache(5.0)
    now = time.monotonic()
    who = _officer()
    cache.put("fresh", who, read_at=now)
    cache.put("slow read", who, read_at=now - 5.0)  # its read took the whole bound
    assert cache.get("fresh") is who
    assert cache.get("slow read") is None


def test_a_credential_is_not_remembered_past_its_own_expiry() -> None:
    cache = PrincipalCache(5.0)
    cache.put("expired token", _officer(), read_at=time.monotonic(), not_after=time.time() - 1)
    assert cache.get("expired token") is None
