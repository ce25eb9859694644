"""Test helpers shared by the tests of this folder (imported, not collected; the
fixtures that use them are in conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

from service.core.config import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unique() -> str:
    return uuid.uuid4().hex[:8]


def short_cache_settings(tmp_path: Path, db_url: str, seconds: float = 0.5) -> Settings:
    """Settings for a second app on the test database whose caller cache keeps an entry for
    ``seconds`` (tests of the bound on a revoked key or a disabled account)."""
    return Settings(
        env="development",
        data_dir=tmp_path / "data2",
        database_url=db_url,
        secret_key="x" * 40,
        auth_cache_seconds=seconds,
    )


def cli_env(**onboard: str) -> dict[str, str]:
    """This environment without any ONBOARD_ setting, plus the given ones
    (``ONBOARD_DATA_DIR=...``): a CLI run sees only what its test chose."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARD_")}
    return env | onboard


def onboard_cli(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``onboard ARGS`` in its own process; not checked: the test reads the return code and
    the output."""
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
