"""Reading the QR code the bot sent, as an officer's scanner would."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image


def decode_png(data: bytes) -> str:
    assert data.startswith(b"\x89PNG"), "the QR must be sent as a lossless PNG"
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert len(results) == 1, f"expected one QR code, found {len(results)}"
    return str(results[0].text)
