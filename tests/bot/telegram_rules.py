"""What the real Bot API refuses and the fake server must refuse too: HTML it cannot parse
("can't parse entities": the user sees nothing), texts and captions over their length,
callback answers over 200 characters, callback data over 64 bytes, more than 100 inline buttons."""

from __future__ import annotations

import html
import re
from typing import Any

TEXT_LIMIT, CAPTION_LIMIT, ALERT_LIMIT, DATA_LIMIT, BUTTON_LIMIT = 4096, 1024, 200, 64, 100
_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler"}
_TAGS |= {"a", "code", "pre", "blockquote", "tg-emoji"}
_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>|<|&(#x?[0-9a-fA-F]+|\w+);|&")
_NAMED = {"lt", "gt", "amp", "quot"}


def parse_html(text: str) -> str:
    """The text as shown, or ValueError("can't parse entities: ...") as Telegram says."""
    shown: list[str] = []
    open_tags: list[str] = []
    at = 0
    for match in _TOKEN.finditer(text):
        shown.append(text[at : match.start()])
        at = match.end()
        token = match.group(0)
        if token.startswith("<"):
            closing, tag = match.group(1), (match.group(2) or "").lower()
            if tag not in _TAGS:
                raise ValueError(f"can't parse entities: unsupported start tag at {match.start()}")
            if closing:
                if not open_tags or open_tags.pop() != tag:
                    raise ValueError(f"can't parse entities: unmatched end tag {tag}")
            else:
                open_tags.append(tag)
        elif token == "&":
            raise ValueError(f"can't parse entities: '&' at byte offset {match.start()}")
        else:
            entity = match.group(4)
            if not entity.startswith("#") and entity not in _NAMED:
                raise ValueError(f"can't parse entities: unsupported entity &{entity};")
            shown.append(html.unescape(token))
    shown.append(text[at:])
    if open_tags:
        raise ValueError(f"can't parse entities: can't find end tag for {open_tags[-1]}")
    return "".join(shown)


def refusal(method: str, params: dict[str, Any]) -> str | None:
    """Why Telegram would answer 400 to this call, if it would."""
    if method == "answerCallbackQuery":  # plain text, shown as a toast or an alert
        return "MESSAGE_TOO_LONG" if len(str(params.get("text", ""))) > ALERT_LIMIT else None
    for key, limit in (("text", TEXT_LIMIT), ("caption", CAPTION_LIMIT)):
        if key not in params:
            continue
        value = str(params[key])
        try:
            shown = parse_html(value) if params.get("parse_mode") == "HTML" else value
        except ValueError as exc:
            return str(exc)
        if key == "text" and not shown.strip():
            return "message text is empty"
        if len(shown.encode("utf-16-le")) // 2 > limit:
            return "message is too long" if key == "text" else "message caption is too long"
    rows = (params.get("reply_markup") or {}).get("inline_keyboard", [])
    buttons = [button for row in rows for button in row]
    if len(buttons) > BUTTON_LIMIT:
        return "reply markup is too long"
    for button in buttons:
        if not str(button.get("text", "")).strip():
            return "BUTTON_TEXT_EMPTY"  # pragma: no cover - a message of its own
        if len(str(button.get("callback_data", "")).encode()) > DATA_LIMIT:
            return "BUTTON_DATA_INVALID"
    return None
