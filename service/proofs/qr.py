"""QR images of proofs (PNG and SVG) with the `qrcode` package, cached per payload.

Error correction M, a 4-module quiet zone, and 8 px modules in the PNG: a 400-byte proof is
a version-14 code (73 modules), 648 px wide, which phones read from a screen or paper.
The SVG carries its own white background: the quiet zone must be light even on a dark page.
Choosing the mask pattern is most of the cost, so each image is rendered once per payload.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

BOX_SIZE = 8
BORDER = 4


class QrCache:
    def __init__(self, size: int = 2048) -> None:
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get_or_render(self, payload: str, kind: str) -> bytes:
        key = (kind, payload)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        image = render(payload, kind)
        with self._lock:
            self._items[key] = image
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return image


def _code(payload: str) -> qrcode.QRCode:  # type: ignore[type-arg]
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=BOX_SIZE, border=BORDER)
    code.add_data(payload.encode("ascii"), optimize=0)
    code.make(fit=True)
    return code


def render(payload: str, kind: str) -> bytes:
    code = _code(payload)
    buf = io.BytesIO()
    if kind == "png":
        code.make_image().save(buf, format="PNG")
    elif kind == "svg":
        code.make_image(image_factory=qrcode.image.svg.SvgPathFillImage).save(buf)
    else:
        raise ValueError(kind)
    return buf.getvalue()
