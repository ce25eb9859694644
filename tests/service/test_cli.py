"""The `onboard` command as an operator runs it (a real process)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx  # noqa: F401  (the service's client library is installed)
import pytest

from tests import harness
from tests.harness import onboard_cli


def _onboard(
    args: list[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return onboard_cli(*args, env=env, stdin=stdin)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return harness.cli_env(ONBOARD_DATA_DIR=str(tmp_path))


def test_api_key_create_prints_only_the_key(cli_env: dict[str, str]) -> None:
    r = _onboard(
        ["api-keys", "create", "employer", "--scope", "cards:read", "--scope", "cards:write"],
        cli_env,
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("obk_")
    listed = _onboard(["api-keys", "list"], cli_env)
    assert "employer" in listed.stdout and "cards:read,cards:write" in listed.stdout
    assert lines[0] not in listed.stdout
    key_id = listed.stdout.split("\t")[0]
    assert _onboard(["api-keys", "revoke", key_id], cli_env).returncode == 0
    assert "revoked" in _onboard(["api-keys", "list"], cli_env).stdout


def test_users_create_with_password_stdin(cli_env: dict[str, str]) -> None:
    r = _onboard(
        ["users", "create", "border1", "--role", "border", "--password-stdin"],
        cli_env,
        stdin="a sufficiently long one\n",
    )
    assert r.returncode == 0, r.stderr and r.stdout == ""
    assert "border1\tborder\tactive" in _onboard(["users", "list"], cli_env).stdout
    dup = _onboard(
        ["users", "create", "border1", "--role", "border", "--password-stdin"],
        cli_env,
        stdin="a sufficiently long one\n",
    )
    assert dup.returncode == 1 and "already exists" in dup.stderr
    short = _onboard(
        ["users", "create", "b2", "--role", "border", "--password-stdin"], cli_env, stdin="short\n"
    )
    assert short.returncode == 1 and "12 characters" in short.stderr


def test_bad_role_is_a_usage_error(cli_env: dict[str, str]) -> None:
    r = _onboard(["users", "create", "x", "--role", "king"], cli_env)
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_production_refuses_placeholder_secret(cli_env: dict[str, str]) -> None:
    env = cli_env | {"ONBOARD_ENV": "production", "ONBOARD_SECRET_KEY": "changeme"}
    r = _onboard(["db", "upgrade"], env)
    assert r.returncode == 2 and "placeholder" in r.stderr and "Traceback" not in r.stderr


def test_a_key_id_that_starts_with_a_dash_is_taken_as_it_is_printed(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    # Key ids are base64url: one in 64 starts with '-', which argparse took for an option
    # (a CI run failed on `onboard keys retire -6uoWv`). Rotate until one does (bounded).
    from service.proofs.keys import KeyStore

    store = KeyStore(tmp_path / "proof-keys")
    dashed = next(
        (k.kid for k in (store.rotate() for _ in range(1_000)) if k.kid.startswith("-")), None
    )
    assert dashed is not None, "no key id starting with '-' in 1,000 rotations"
    store.rotate()  # the dashed key is no longer the active one
    at = "2031-01-01T00:00:00+00:00"
    scheduled = _onboard(["keys", "retire", dashed, "--at", at], cli_env)
    assert scheduled.returncode == 0, scheduled.stderr
    assert f"{dashed}\tretires after 2031-01-01" in scheduled.stderr
    retired = _onboard(["keys", "retire", "--", dashed], cli_env)  # the POSIX spelling works too
    assert retired.returncode == 0, retired.stderr
    assert f"{dashed}\tretired" in _onboard(["keys", "list"], cli_env).stdout
    unknown = _onboard(["keys", "retire", "-nosuchkey"], cli_env)
    assert unknown.returncode == 1 and "no proof key '-nosuchkey'" in unknown.stderr
    usage = _onboard(["keys", "retire", "--at"], cli_env)
    assert usage.returncode == 2 and "expected one argument" in usage.stderr
