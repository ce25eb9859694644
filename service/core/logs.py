"""Structured JSON logs. Only fields we put there on purpose: never bodies or query strings."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# Libraries that log what we must not keep: fpdf and fontTools log the glyphs of holders'
# names at DEBUG/INFO, httpx and httpcore every request's full URL at INFO (webhook targets
# with their tokens, Telegram's URLs with the bot token).
QUIET_LOGGERS = ("fpdf", "fontTools", "httpx", "httpcore")

# scheme://[userinfo@]host[:port][/path][?query][#fragment]; userinfo, query and fragment go.
_URL = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?:[^\s/?#@]*@)?"
    r"(?P<rest>[^\s?#\"'<>]*)(?:\?[^\s#\"'<>]*)?(?:#[^\s\"'<>]*)?"
)


def redact_urls(text: str) -> str:
    """Every URL in ``text`` without its userinfo, query and fragment."""
    if "://" not in text:
        return text
    return _URL.sub(lambda m: m.group("scheme") + m.group("rest"), text)


_EXTRA_FIELDS = ("request_id", "method", "route", "status", "duration_ms", "actor", "event")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact_urls(record.getMessage()),
        }
        for name in _EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type and where it happened; not its message, which may quote data.
            entry["error"] = record.exc_info[0].__name__
            tb = record.exc_info[2]
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            if tb is not None:
                entry["where"] = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(root.level, logging.WARNING))
    # uvicorn's access log prints raw paths with query strings (document numbers): ours replaces it.
    logging.getLogger("uvicorn.access").disabled = True
