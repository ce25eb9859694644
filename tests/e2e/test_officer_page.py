"""The officer page in real Chromium, scanning a QR code through a fake camera."""

from __future__ import annotations

import io
import os
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.e2e.server import serve
from tests.factories import card_payload

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must have Debian's chromium installed (.ci/run installs it)")
    pytest.skip(
        "Debian chromium is not installed (apt-get install chromium)", allow_module_level=True
    )

from playwright.sync_api import expect, sync_playwright  # noqa: E402


def write_y4m(qr_png: bytes, path: Path, frames: int = 6) -> None:
    """A short 640x480 video of the QR code on white, the format Chromium's fake camera reads."""
    width, height = 640, 480
    frame = Image.new("RGB", (width, height), "white")
    qr = Image.open(io.BytesIO(qr_png)).convert("RGB").resize((420, 420), Image.NEAREST)
    frame.paste(qr, ((width - 420) // 2, (height - 420) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    cb = cb.resize((width // 2, height // 2))
    cr = cr.resize((width // 2, height // 2))
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            fh.write(b"FRAME\n")
            fh.write(y.tobytes() + cb.tobytes() + cr.tobytes())


def test_scan_shows_valid_then_revoked(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(tmp_path / "data") as server, httpx.Client(base_url=server.url, timeout=20) as http:
        admin = {
            "Authorization": "Bearer "
            + http.post(
                "/api/v1/auth/token", data={"username": "admin", "password": server.admin_password}
            ).json()["access_token"]
        }
        assert (
            http.post(
                "/api/v1/users",
                json={"username": "border1", "password": "border password 1", "role": "border"},
                headers=admin,
            ).status_code
            == 201
        )
        card = http.post("/api/v1/cards", json=card_payload(), headers=admin).json()
        http.post(
            f"/api/v1/cards/{card['id']}/entry", json={"crossing_point": "SVO"}, headers=admin
        )
        png = http.get(f"/api/v1/cards/{card['id']}/proof.png", headers=admin).content
        video = tmp_path / "qr.y4m"
        write_y4m(png, video)
        pending = http.post("/api/v1/cards", json=card_payload(), headers=admin).json()

        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--use-fake-device-for-media-stream",
                    "--use-fake-ui-for-media-stream",
                    f"--use-file-for-fake-video-capture={video}",
                ],
            )
            context = browser.new_context(
                locale="en-US", permissions=["camera"], viewport={"width": 412, "height": 915}
            )
            page = context.new_page()
            page.goto(server.url + "/officer")
            expect(page.locator("h1")).to_have_text("E-card check")
            page.fill("#username", "border1")
            page.fill("#password", "border password 1")
            page.click("button[type=submit]")
            page.click("#scan")
            verdict = page.locator("#verdict")
            expect(verdict).to_have_attribute("data-verdict", "valid", timeout=20_000)
            expect(page.locator("#v-word")).to_have_text("Valid")
            expect(page.locator("#facts")).to_contain_text("KARIMOV SHUKHRAT")
            expect(page.locator("#border-actions")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "officer-valid.png"), full_page=True)
            path = page.evaluate("document.body.dataset.scanPath")
            assert path in ("server", "barcode-detector")

            r = http.post(
                f"/api/v1/cards/{card['id']}/revoke",
                json={"reason": "forged documents"},
                headers=admin,
            )
            assert r.status_code == 200
            page.click("#scan")
            expect(verdict).to_have_attribute("data-verdict", "revoked", timeout=20_000)
            page.screenshot(path=str(ARTIFACTS / "officer-revoked.png"), full_page=True)

            # Typed number fallback, in Russian, and recording entry as a border officer.
            page.select_option("#lang", "ru")
            expect(page.locator("h1")).to_have_text("Проверка e-карты")
            page.fill("#number", pending["number"].replace("-", "").lower())
            page.click("#number-form button")
            expect(verdict).to_have_attribute("data-verdict", "pending_entry", timeout=10_000)
            expect(page.locator("#v-word")).to_have_text("Въезд не отмечен")
            page.fill("#crossing", "Pulkovo")
            page.click("#entry")
            expect(page.locator("#action-state")).to_contain_text("Записано")
            browser.close()

        status = http.get(f"/api/v1/cards/{pending['id']}", headers=admin).json()["status"]
        assert status == "active"
        scans = http.get(
            "/api/v1/scans",
            headers={
                "Authorization": "Bearer "
                + http.post(
                    "/api/v1/auth/token",
                    data={"username": "border1", "password": "border password 1"},
                ).json()["access_token"]
            },
        ).json()["items"]
        assert [s["verdict"] for s in scans] == ["pending_entry", "revoked", "valid"]
