"""Shared pieces of the browser tests: the system Chromium, a fake camera, an API to drive."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError("CI must have Debian's chromium installed (.ci/run installs it)")
        pytest.skip(
            "Debian chromium is not installed (apt-get install chromium)", allow_module_level=True
        )


def camera_flags(video: Path) -> list[str]:
    return [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]


def write_y4m(qr_png: bytes, path: Path, frames: int = 6) -> None:
    """A short 640x480 video of the QR code on white, the format Chromium's fake camera reads."""
    width, height = 640, 480
    frame = Image.new("RGB", (width, height), "white")
    qr = Image.open(io.BytesIO(qr_png)).convert("RGB").resize((420, 420), Image.NEAREST)
    frame.paste(qr, ((width - 420) // 2, (height - 420) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    cb = cb.resize((width // 2, height // 2))
    cr = cr.resize((width // 2, height // 2))
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            fh.write(b"FRAME\n")
            fh.write(y.tobytes() + cb.tobytes() + cr.tobytes())
    tmp.replace(path)


def qr_png(text: str) -> bytes:
    import qrcode

    out = io.BytesIO()
    qrcode.make(text, box_size=8, border=4).save(out)
    return out.getvalue()


def bearer(http: httpx.Client, username: str, password: str) -> dict[str, str]:
    r = http.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": "Bearer " + r.json()["access_token"]}


def make_user(http: httpx.Client, admin: dict[str, str], username: str, role: str) -> str:
    password = f"{username} password 1"
    r = http.post(
        "/api/v1/users",
        json={"username": username, "password": password, "role": role},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return password


def active_card(http: httpx.Client, admin: dict[str, str]) -> dict[str, Any]:
    from tests.factories import card_payload

    card = http.post("/api/v1/cards", json=card_payload(), headers=admin).json()
    r = http.post(
        f"/api/v1/cards/{card['id']}/entry", json={"crossing_point": "SVO"}, headers=admin
    )
    assert r.status_code == 200, r.text
    return card


def wait_until(page: Any, expression: str, timeout: float = 20.0) -> Any:
    """Poll a JavaScript expression until it is truthy. Not page.wait_for_function: under the
    page's CSP (no 'unsafe-eval') its in-page polling of a string is refused."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout} s: {expression}")
        page.wait_for_timeout(100)
