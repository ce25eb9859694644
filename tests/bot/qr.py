"""Reading the QR code the bot sent, as an officer's scanner would."""

from __future__ import annotations

import io

from PIL import Image

from tests.scan import read_qr


def decode_png(data: bytes) -> str:
    assert data.startswith(b"\x89PNG"), "the QR must be sent as a lossless PNG"
    results = read_qr(Image.open(io.BytesIO(data)))
    assert len(results) == 1, f"expected one QR code, found {len(results)}"
    return results[0]
