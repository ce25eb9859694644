"""What can be tested of the deployment without a Docker engine."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import yaml

from tests.e2e.server import serve

ROOT = Path(__file__).resolve().parents[1]


def test_compose_has_every_service_and_setting() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"api", "worker", "bot", "postgres", "redis"}
    assert (
        services["api"]["command"][:2] == ["onboard", "serve"]
        and "--workers" in services["api"]["command"]
    )
    assert services["worker"]["command"] == ["onboard", "worker"]
    assert services["bot"]["command"] == ["python", "-m", "bot"]
    api_env = services["api"]["environment"]
    for name in ("ONBOARD_ENV", "ONBOARD_DATABASE_URL", "ONBOARD_REDIS_URL", "ONBOARD_SECRET_KEY"):
        assert name in api_env, name
    assert api_env["ONBOARD_ENV"] == "production" and api_env["ONBOARD_DATABASE_URL"].startswith(
        "postgresql://"
    )
    for name in (
        "ONBOARD_TELEGRAM_BOT_TOKEN",
        "ONBOARD_API_URL",
        "ONBOARD_BOT_API_KEY",
        "ONBOARD_REDIS_URL",
    ):
        assert name in services["bot"]["environment"], name
    for name in ("api", "postgres", "redis"):
        assert "healthcheck" in services[name], name
    # The image's HEALTHCHECK probes the API port: the others would be "unhealthy" forever.
    for name in ("worker", "bot"):
        assert services[name]["healthcheck"] == {"disable": True}, name
    assert services["bot"]["environment"]["ONBOARD_ENV"] == "production"
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_dockerfile_is_multi_stage_and_non_root() -> None:
    text = _dockerfile()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    assert re.search(r"^USER (?!root)\S+", text, re.M)
    assert "requirements/runtime.lock" in text and "pybabel compile" in text
    assert 'CMD ["onboard", "serve"' in text
    # The code stays in /app beside locales/ and content/: installed into site-packages it
    # would look for the compiled catalogues there and answer in English only.
    assert "pip install --no-deps -e ." in text and "COPY --from=build /app /app" in text


def test_wheel_carries_migrations_and_static_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("onboard-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "service/migrations/versions/0001_initial_schema.py" in names
    assert "service/migrations/env.py" in names and "service/static/officer.html" in names
    # The officer page's files, the vendored QR reader and its record ship too.
    static = ROOT / "service" / "static"
    page_files = {
        p.relative_to(ROOT).as_posix() for p in (static / "officer").rglob("*") if p.is_file()
    }
    assert "service/static/officer/vendor/zxing-wasm/zxing_reader.wasm" in page_files
    assert page_files <= set(names), sorted(page_files - set(names))


def test_image_command_runs_outside_docker(tmp_path: Path) -> None:
    """The image's command with the image's variables, in production mode, on loopback."""
    cmd = re.search(r"^CMD \[(.*)\]$", _dockerfile(), re.M).group(1)  # type: ignore[union-attr]
    args = [a.strip().strip('"') for a in cmd.split(",")]
    assert args[:2] == ["onboard", "serve"] and "--workers" in args
    env = {
        "ONBOARD_ENV": "production",
        "ONBOARD_SECRET_KEY": os.urandom(24).hex(),
        "ONBOARD_CONTENT_DIR": str(ROOT / "content"),
        "ONBOARD_POLICY_DIR": str(ROOT / "content" / "policy"),
    }
    with serve(tmp_path / "data", workers=2, extra_env=env) as server:
        assert httpx.get(server.url + "/readyz").json()["database"] == "ok"
        assert server.admin_password
