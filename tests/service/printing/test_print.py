"""The printable card: one A6 page whose QR decodes to a proof the verifier accepts."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from tests.factories import card_payload
from tests.scan import qr_only, read_qr


def test_pdf_is_one_a6_page_with_a_scannable_qr(client, actors) -> None:
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    client.post(
        f"/api/v1/cards/{card['id']}/entry",
        json={"crossing_point": "SVO"},
        headers=actors["border"],
    )
    r = client.get(f"/api/v1/cards/{card['id']}/print", headers=actors["cards:write"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    width_mm = float(page.mediabox.width) / 72 * 25.4
    height_mm = float(page.mediabox.height) / 72 * 25.4
    assert round(width_mm) == 105 and round(height_mm) == 148  # A6
    text = page.extract_text()
    assert card["number"] in text and "Каримов Шухрат" in text and "KARIMOV SHUKHRAT" in text
    assert card["holder"]["document"]["number"] not in text  # last four only
    [image] = page.images
    qr = Image.open(io.BytesIO(image.data))
    [decoded] = read_qr(qr)
    verdict = client.post(
        "/api/v1/verify", json={"payload": decoded}, headers=actors["officer"]
    ).json()
    assert verdict["verdict"] == "valid"


def test_missing_font_is_a_clear_503(client, actors, app) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"pdf_font": Path("/nonexistent.ttf")}
    )
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    r = client.get(f"/api/v1/cards/{card['id']}/print", headers=actors["cards:write"])
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert "fonts-dejavu-core" in r.json()["detail"]
    assert (
        client.get(f"/api/v1/cards/{card['id']}/print", headers=actors["officer"]).status_code
        == 403
    )


def _rasterise(pdf: bytes, tmp_path: Path, dpi: int) -> Image.Image:
    """The page as a person's printer would put it on paper (poppler's pdftoppm)."""
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            raise RuntimeError("CI must have poppler-utils installed (.ci/run installs it)")
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    (tmp_path / "card.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "card.pdf", "card"],
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    return Image.open(tmp_path / "card.png")


# Names that wrap over several lines make the facts' type smaller, never the QR.
_LONG = " ".join(["Абдурахмонов"] * 5)


@pytest.mark.parametrize(("surname", "given_names"), [("Каримов", "Шухрат"), (_LONG, _LONG)])
def test_printed_page_scans_and_no_fact_hides_under_the_qr(
    client, actors, tmp_path: Path, surname: str, given_names: str
) -> None:
    payload = card_payload()
    payload["holder"].update(surname=surname, given_names=given_names)
    card = client.post("/api/v1/cards", json=payload, headers=actors["admin"]).json()
    client.post(
        f"/api/v1/cards/{card['id']}/entry",
        json={"crossing_point": "SVO"},
        headers=actors["border"],
    )
    pdf = client.get(f"/api/v1/cards/{card['id']}/print", headers=actors["cards:write"]).content
    dpi = 200
    page = _rasterise(pdf, tmp_path, dpi)
    [code] = zxingcpp.read_barcodes(page, formats=qr_only())
    verdict = client.post(
        "/api/v1/verify", json={"payload": code.text}, headers=actors["officer"]
    ).json()
    assert verdict["verdict"] == "valid"
    pos = code.position
    side_mm = (pos.top_right.x - pos.top_left.x) / dpi * 25.4
    assert side_mm >= 40, side_mm  # the code itself, without its quiet zone

    # Every line of text sits clear of the code and its quiet zone (4 mm around it).
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    height_pt = float(page.mediabox.height)
    top_pt = height_pt - pos.top_left.y / dpi * 72 + 4 / 25.4 * 72
    bottom_pt = height_pt - pos.bottom_left.y / dpi * 72 - 4 / 25.4 * 72
    lines: list[tuple[float, str]] = []
    page.extract_text(
        visitor_text=lambda text, cm, tm, font, size: (
            lines.append((tm[5], text)) if text.strip() else None
        )
    )
    hidden = [text for y, text in lines if bottom_pt <= y <= top_pt]
    assert not hidden and len(lines) > 10, hidden
    assert any(surname.split()[0] in text for _, text in lines)
