"""The printable card: one A6 page whose QR decodes to a proof the verifier accepts."""

from __future__ import annotations

import io
from pathlib import Path

import zxingcpp
from PIL import Image
from pypdf import PdfReader

from tests.factories import card_payload


def test_pdf_is_one_a6_page_with_a_scannable_qr(client, actors) -> None:
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    client.post(
        f"/api/v1/cards/{card['id']}/entry",
        json={"crossing_point": "SVO"},
        headers=actors["border"],
    )
    r = client.get(f"/api/v1/cards/{card['id']}/print", headers=actors["bot"])
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
    [decoded] = [b.text for b in zxingcpp.read_barcodes(qr)]
    verdict = client.post(
        "/api/v1/verify", json={"payload": decoded}, headers=actors["officer"]
    ).json()
    assert verdict["verdict"] == "valid"


def test_missing_font_is_a_clear_503(client, actors, app) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"pdf_font": Path("/nonexistent.ttf")}
    )
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    r = client.get(f"/api/v1/cards/{card['id']}/print", headers=actors["bot"])
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert "fonts-dejavu-core" in r.json()["detail"]
    assert (
        client.get(f"/api/v1/cards/{card['id']}/print", headers=actors["officer"]).status_code
        == 403
    )
