"""The JSON logs keep no secrets of URLs and none of the chatty libraries' output."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from service.core import logs


@pytest.fixture
def configured() -> Iterator[io.StringIO]:
    """The service's logging as `onboard serve` sets it up, at DEBUG, into a buffer."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {name: logging.getLogger(name).level for name in logs.QUIET_LOGGERS}
    logs.configure("DEBUG")
    (handler,) = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    out = io.StringIO()
    handler.setStream(out)
    yield out
    root.handlers[:], root.level = saved
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _lines(out: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line]


def test_urls_in_log_lines_lose_userinfo_query_and_fragment(configured) -> None:  # type: ignore[no-untyped-def]
    logging.getLogger("onboard.webhooks").warning(
        "delivery to %s failed", "https://probe:hunter2@hooks.example.org:8443/in?token=s3cr3t#x"
    )
    (line,) = _lines(configured)
    assert line["msg"] == "delivery to https://hooks.example.org:8443/in failed"


def test_pdf_font_and_http_libraries_log_warnings_only(configured) -> None:  # type: ignore[no-untyped-def]
    for name in ("fpdf.output", "fontTools.subset", "httpx", "httpcore.connection"):
        logging.getLogger(name).info("glyphs of a name / https://example.org/?doc=FA1234567")
    # a real httpx request logs its URL at INFO ("HTTP Request: GET ..."): not kept
    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    with httpx.Client(transport=transport) as client:
        client.get("https://example.org/cards?document_number=FA1234567")
    logging.getLogger("fontTools.subset").warning("a real problem")
    lines = _lines(configured)
    assert [(line["logger"], line["msg"]) for line in lines] == [
        ("fontTools.subset", "a real problem")
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("GET http://a.example/x?y=1 200", "GET http://a.example/x 200"),
        ("postgresql://onboard:pw@db:5432/onboard", "postgresql://db:5432/onboard"),
        ("no url here ?x=1", "no url here ?x=1"),
        ("redis://:pw@redis:6379/0", "redis://redis:6379/0"),
    ],
)
def test_redact_urls(text: str, expected: str) -> None:
    assert logs.redact_urls(text) == expected
