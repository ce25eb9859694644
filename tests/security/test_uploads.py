"""POST /api/v1/decode as an attacker would use it: bodies from strangers, exotic image
formats, decompression bombs and a crowd of uploads (issue 11, part 8)."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
import qrcode
from PIL import Image

from tests.security.harness import Live, start_live

PROBLEM = "application/problem+json"


def _qr_image(text: str = "MC1:hello") -> Image.Image:
    return qrcode.make(text, box_size=8).get_image().convert("RGB")


def _encode(image: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return buf.getvalue()


def _raw_request(url: str, head: str, *, timeout: float = 10.0) -> str:
    """Send only the request line and headers, never the body; the first line back."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1"))
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0].decode("latin-1")


@pytest.mark.parametrize("credentials", ["", "X-API-Key: obk_not_a_key\r\n"])
def test_a_stranger_gets_401_before_sending_a_byte_of_the_body(live: Live, credentials) -> None:
    # 8 MiB is within the upload cap, so only authentication can refuse it. The body is never
    # sent: an answer proves the server did not wait for it (today it waits, and times out).
    port = urlsplit(live.url).port
    head = (
        "POST /api/v1/decode HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: image/png\r\n"
        f"Content-Length: {8 * 1024 * 1024}\r\n"
        f"{credentials}"
        "\r\n"
    )
    try:
        status_line = _raw_request(live.url, head)
    except TimeoutError:
        pytest.fail("the server waited for the body of an unauthenticated upload")
    assert status_line.split(" ")[1] == "401", status_line


def test_a_caller_who_may_not_verify_gets_403_before_the_body(live: Live) -> None:
    port = urlsplit(live.url).port
    key = live.actors["stats:read"]["X-API-Key"]
    head = (
        "POST /api/v1/decode HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Content-Length: {4 * 1024 * 1024}\r\n"
        f"X-API-Key: {key}\r\n\r\n"
    )
    assert _raw_request(live.url, head).split(" ")[1] == "403"


@pytest.mark.parametrize("fmt", ["TIFF", "BMP", "GIF", "EPS", "ICO", "PPM"])
def test_formats_other_than_png_jpeg_webp_are_refused_415(live: Live, fmt: str) -> None:
    # Each holds a readable QR code: today the server opens them all and answers 200.
    image = _qr_image()
    if fmt == "ICO":
        image = image.resize((256, 256))
    with live.client() as client:
        r = client.post(
            "/api/v1/decode", content=_encode(image, fmt), headers=live.actors["officer"]
        )
    assert r.status_code == 415, (fmt, r.status_code, r.text)
    assert r.headers["content-type"] == PROBLEM
    assert "PNG, JPEG or WebP" in r.json()["detail"]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_png_jpeg_and_webp_are_read(live: Live, fmt: str) -> None:
    with live.client() as client:
        r = client.post(
            "/api/v1/decode", content=_encode(_qr_image(), fmt), headers=live.actors["officer"]
        )
    assert r.status_code == 200 and r.json() == {"text": "MC1:hello"}


def test_a_small_file_of_many_pixels_is_refused_413_before_decoding(live: Live) -> None:
    bomb = _encode(Image.new("1", (6300, 6300), 1), "PNG")
    assert len(bomb) < 200_000  # a small upload...
    with live.client() as client:
        r = client.post("/api/v1/decode", content=bomb, headers=live.actors["officer"])
        assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
        assert "12 megapixels" in r.json()["detail"]
        # ...and the same for a huge JPEG header and a WebP
        jpeg = _encode(Image.new("L", (5000, 3000), 255), "JPEG")
        r = client.post("/api/v1/decode", content=jpeg, headers=live.actors["officer"])
        assert r.status_code == 413
        # 12 megapixels exactly is allowed (and holds no code)
        ok = _encode(Image.new("1", (4000, 3000), 1), "PNG")
        r = client.post("/api/v1/decode", content=ok, headers=live.actors["officer"])
        assert r.status_code == 404


def test_a_truncated_image_is_a_clear_400(live: Live) -> None:
    data = _encode(_qr_image(), "PNG")
    with live.client() as client:
        r = client.post("/api/v1/decode", content=data[:300], headers=live.actors["officer"])
    assert r.status_code == 400 and r.headers["content-type"] == PROBLEM


@pytest.fixture(scope="module")
def impatient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A server whose decoders never wait for a slot."""
    yield from start_live(tmp_path_factory, extra_env={"ONBOARD_DECODE_WAIT_SECONDS": "0"})


def test_at_most_two_decodes_at_once_the_rest_get_503_with_retry_after(impatient: Live) -> None:
    # A 12-megapixel image takes the decoder a good fraction of a second; six arrive at once.
    heavy = _encode(Image.new("1", (4000, 3000), 1), "PNG")
    barrier = threading.Barrier(6)
    answers: list[httpx.Response] = []

    def upload() -> None:
        with impatient.client() as client:
            barrier.wait(timeout=30)
            answers.append(
                client.post("/api/v1/decode", content=heavy, headers=impatient.actors["officer"])
            )

    threads = [threading.Thread(target=upload) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    statuses = sorted(r.status_code for r in answers)
    assert len(statuses) == 6
    assert set(statuses) <= {404, 503}, statuses
    assert statuses.count(404) >= 1 and statuses.count(503) >= 1, statuses
    for r in answers:
        if r.status_code == 503:
            assert r.headers["content-type"] == PROBLEM
            assert int(r.headers["Retry-After"]) >= 1
