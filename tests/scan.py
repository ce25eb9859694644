"""Reading QR codes in tests as an officer's scanner does: QR codes only. Left to look for
every format, zxing-cpp can take a run of a QR code's modules for a one-dimensional barcode
as well (a proof's QR once read as the proof and "B65D")."""

from __future__ import annotations

import zxingcpp
from PIL import Image


def qr_only() -> zxingcpp.BarcodeFormats:
    """Made per call: nanobind reports a module-level instance as leaked at exit."""
    return zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def read_qr(image: Image.Image) -> list[str]:
    """The text of every QR code in ``image``."""
    return [r.text for r in zxingcpp.read_barcodes(image, formats=qr_only())]
