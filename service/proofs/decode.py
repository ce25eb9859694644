"""Server-side QR reading with zxing-cpp, for browsers without BarcodeDetector.

Uploaded images are hostile until proven otherwise: only PNG, JPEG and WebP are opened (no
TIFF, BMP, EPS or the other formats Pillow knows), the size is read from the header and an
image over ``MAX_PIXELS`` is refused before any pixel is decoded, and a process decodes at
most ``DecodeGate.slots`` images at a time.
"""

from __future__ import annotations

import asyncio
import io
from types import TracebackType

import zxingcpp
from PIL import Image, UnidentifiedImageError

from service.core.errors import BadRequest, PayloadTooLarge, ServiceBusy, UnsupportedMediaType

FORMATS = ("PNG", "JPEG", "WEBP")
MAX_PIXELS = 12_000_000  # 12 megapixels: more than any phone camera frame needs for a QR


def read_qr(data: bytes, *, max_pixels: int = MAX_PIXELS) -> str | None:
    """The text of the first QR code in the image, or None when the image holds none.

    Raises ``UnsupportedMediaType`` (not PNG, JPEG or WebP), ``PayloadTooLarge`` (over
    ``max_pixels``, found from the header alone) or ``BadRequest`` (a broken image)."""
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError:
        raise UnsupportedMediaType("send a PNG, JPEG or WebP image") from None
    except Image.DecompressionBombError:
        raise _too_large(max_pixels) from None
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise _too_large(max_pixels)
        try:
            image.load()
            gray = image.convert("L")
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            raise BadRequest("the image is damaged or cut short") from None
    # QR codes only: asked for every format, zxing once also read a proof as a Codabar "B65D".
    # (Made per call: nanobind reports a module-level instance as leaked at exit.)
    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    for result in zxingcpp.read_barcodes(gray, formats=qr_only):
        if result.format == zxingcpp.BarcodeFormat.QRCode and result.text:
            return str(result.text)
    return None


def _too_large(max_pixels: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the image has more than {max_pixels // 1_000_000} megapixels; send a smaller photo"
    )


class DecodeGate:
    """At most ``slots`` decodes at once in this process. A request waits up to ``wait``
    seconds for a slot, then gets 503 with Retry-After (decoding is CPU-bound: queueing
    more would only make every caller slower)."""

    def __init__(self, *, slots: int = 2, wait: float = 5.0, retry_after: int = 2) -> None:
        self.slots = slots
        self.wait = wait
        self.retry_after = retry_after
        self._semaphore = asyncio.Semaphore(slots)

    async def __aenter__(self) -> DecodeGate:
        if not self._semaphore.locked():
            await self._semaphore.acquire()  # a slot is free: returns without waiting
            return self
        try:
            await asyncio.wait_for(self._semaphore.acquire(), timeout=self.wait)
        except TimeoutError:
            raise ServiceBusy(
                "the server is decoding other images; try again shortly",
                retry_after=self.retry_after,
            ) from None
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._semaphore.release()
