"""Server-side QR reading with zxing-cpp, for browsers without BarcodeDetector."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image, UnidentifiedImageError

_MAX_PIXELS = 40_000_000


def read_qr(data: bytes) -> str | None:
    """The text of the first QR code in the image, or None (also for non-images)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > _MAX_PIXELS:
                return None
            image.load()
            gray = image.convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    for result in zxingcpp.read_barcodes(gray):
        if result.format == zxingcpp.BarcodeFormat.QRCode and result.text:
            return str(result.text)
    return None
