"""Proof-key files: private on disk, and a retired key's private file is gone."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

from service.proofs.keys import KeyStore


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_scheduled_retirement_deletes_the_file_once_it_has_passed(
    tmp_path: Path, fixed_clock
) -> None:
    store = KeyStore(tmp_path / "keys")
    old = store.ensure().kid
    new = store.rotate().kid
    assert _mode(tmp_path / "keys") == 0o700
    assert {_mode(p) for p in (tmp_path / "keys").iterdir()} == {0o600}
    store.retire(old, at=fixed_clock.now() + timedelta(hours=1))
    assert (tmp_path / "keys" / f"{old}.pem").exists()  # old proofs verify until then
    assert {k["kid"] for k in store.jwks()["keys"]} == {old, new}

    fixed_clock.advance(hours=2)
    reloaded = KeyStore(tmp_path / "keys")  # another process, or this one's next reload
    assert {k["kid"] for k in reloaded.jwks()["keys"]} == {new}
    assert not (tmp_path / "keys" / f"{old}.pem").exists()
    assert (tmp_path / "keys" / f"{new}.pem").exists()
    assert {(r.kid, r.state) for r in reloaded.records()} == {(old, "previous"), (new, "active")}


def test_the_active_key_keeps_its_file_even_past_a_schedule(tmp_path: Path, fixed_clock) -> None:
    store = KeyStore(tmp_path / "keys")
    kid = store.ensure().kid
    store.retire(kid, at=fixed_clock.now() + timedelta(minutes=5))
    fixed_clock.advance(hours=1)
    assert KeyStore(tmp_path / "keys").active().kid == kid  # it still signs until rotated
    assert (tmp_path / "keys" / f"{kid}.pem").exists()


def test_retiring_now_deletes_the_file_at_once(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    old = store.ensure().kid
    store.rotate()
    record = store.retire(old)
    assert record.state == "retired" and record.retired_at is not None
    assert not (tmp_path / "keys" / f"{old}.pem").exists()
    assert store.verifying(old) is None
