"""Start `onboard serve` as a real process on a free loopback port."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.harness import free_port


@dataclass
class Server:
    url: str
    admin_password: str | None
    log_path: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def serve(
    data_dir: Path,
    *,
    database_url: str | None = None,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
    port: int | None = None,
) -> Iterator[Server]:
    """``port``: a given one (a browser's origin kept across two servers); default a free one."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARD_")}
    env["ONBOARD_DATA_DIR"] = str(data_dir)
    if database_url:
        env["ONBOARD_DATABASE_URL"] = database_url
    env.update(extra_env or {})
    log_path = data_dir / "server.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "service.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {log_path.read_text()}")
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log_path.read_text()}")
            time.sleep(0.1)
        match = re.search(r"password: (\S+)", log_path.read_text())
        yield Server(
            url=url,
            admin_password=match.group(1) if match else None,
            log_path=log_path,
            process=proc,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
