"""The analyst page in real Chromium: bar charts drawn, no request leaves 127.0.0.1."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from tests.e2e.server import serve
from tests.factories import card_payload

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must have Debian's chromium installed (.ci/run installs it)")
    pytest.skip("Debian chromium is not installed", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


def test_analytics_page_draws_bars_offline(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(tmp_path / "data") as server, httpx.Client(base_url=server.url, timeout=20) as http:
        admin = {
            "Authorization": "Bearer "
            + http.post(
                "/api/v1/auth/token", data={"username": "admin", "password": server.admin_password}
            ).json()["access_token"]
        }
        http.post(
            "/api/v1/users",
            json={"username": "analyst1", "password": "analyst password 1", "role": "analyst"},
            headers=admin,
        )
        for region, n in (("RU-MOW", 12), ("RU-SPE", 10), ("RU-TA", 3)):
            for _ in range(n):
                assert (
                    http.post(
                        "/api/v1/cards", json=card_payload(region=region), headers=admin
                    ).status_code
                    == 201
                )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                ],
            )
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            hosts: set[str] = set()
            page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
            page.goto(server.url + "/analytics")
            page.fill("#username", "analyst1")
            page.fill("#password", "analyst password 1")
            page.click("button[type=submit]")
            expect(page.locator("body")).to_have_attribute("data-ready", "yes", timeout=15_000)
            expect(page.locator("#chart-region rect.bar")).to_have_count(2)
            expect(page.locator("#chart-region")).to_contain_text("RU-MOW")
            expect(page.locator("#note-region")).to_contain_text("1 cell(s) under 10 hidden")
            page.screenshot(path=str(ARTIFACTS / "analytics.png"), full_page=True)
            browser.close()
        assert hosts == {"127.0.0.1"}, hosts
