"""A local stand-in for the Telegram Bot API: a small aiohttp app on 127.0.0.1.

It speaks enough of the Bot API for the bot to run unmodified (``getMe``, ``getUpdates`` with
a short long-poll cap, ``sendMessage``, ``sendDocument``, edits, callback answers, command
menus, ``deleteMessage``, ``getChat`` and pins), records every call, and keeps each chat as
the user would see it.
Tests queue updates with ``push_update`` (polling) or feed them to the dispatcher directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.bot.telegram_rules import refusal

BOT_ID = 777000
TOKEN = f"{BOT_ID}:TEST-token-for-the-fake-server"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Onboard", "username": "onboard_test_bot"}
_JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates", "link_preview_options"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


@dataclass
class ChatMessage:
    """A message in a chat as the user sees it now (edits applied)."""

    message_id: int
    chat_id: int
    from_bot: bool
    text: str | None = None
    caption: str | None = None
    document: bytes | None = None
    file_name: str | None = None
    reply_markup: dict[str, Any] | None = None
    deleted: bool = False
    pinned_at: int = 0  # when it was pinned (0: not pinned)
    seq: int = 0  # when it last appeared or changed (the server's change counter)

    @property
    def body(self) -> str:
        return self.text if self.text is not None else (self.caption or "")

    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def as_telegram(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private"},
        }
        if self.from_bot:
            message["from"] = BOT_USER
        if self.text is not None:
            message["text"] = self.text
        if self.caption is not None:
            message["caption"] = self.caption
        if self.document is not None:
            message["document"] = {
                "file_id": f"doc{self.message_id}",
                "file_unique_id": f"u{self.message_id}",
                "file_name": self.file_name,
                "mime_type": "image/png",
                "file_size": len(self.document),
            }
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            # Telegram returns inline keyboards only (a reply keyboard belongs to the chat).
            message["reply_markup"] = self.reply_markup
        return message


class FakeTelegram:
    def __init__(self, *, poll_cap: float = 0.5) -> None:
        self.poll_cap = poll_cap
        self.calls: list[Call] = []
        self.counts: Counter[str] = Counter()
        self.chats: dict[int, list[ChatMessage]] = {}
        self.fail_methods: dict[str, int] = {}
        self.blocked: set[int] = set()  # chats whose user blocked the bot (403 on sending)
        self.refused: list[tuple[str, str]] = []  # what Telegram would refuse, and why
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._seq = itertools.count(1)
        self.seq = 0
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- lifecycle

    async def start(self) -> str:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what tests use

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def user_message(self, chat_id: int, text: str | None) -> ChatMessage:
        message = ChatMessage(next(self._message_ids), chat_id, from_bot=False, text=text)
        self._touch(message)
        self.chats.setdefault(chat_id, []).append(message)
        return message

    def _touch(self, message: ChatMessage) -> None:
        self.seq = message.seq = next(self._seq)

    async def push_update(self, update: dict[str, Any]) -> None:
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()

    def bot_messages(self, chat_id: int) -> list[ChatMessage]:
        return [m for m in self.chats.get(chat_id, []) if m.from_bot and not m.deleted]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Any, timeout: float = 15.0) -> Any:
        """Wait until ``predicate()`` is truthy (checked after every recorded call)."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the bot did not do what was expected in time")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=left)

    # -- the API

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, files = await _params(request)
        call = Call(method, params, files)
        async with self._changed:
            self.calls.append(call)
            self.counts[method] += 1
            self._changed.notify_all()
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        if self.fail_methods.get(method, 0) > 0:
            self.fail_methods[method] -= 1
            return _error(500, "Internal Server Error: injected by the test")
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        if (why := refusal(method, params)) is not None:
            self.refused.append((method, why))
            return _error(400, "Bad Request: " + why)
        result = await handler(call)
        async with self._changed:
            self._changed.notify_all()
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _m_getMe(self, call: Call) -> Any:  # noqa: N802 - Bot API method names
        return BOT_USER

    async def _m_getUpdates(self, call: Call) -> Any:  # noqa: N802
        offset = int(call.params.get("offset") or 0)
        wait = min(float(call.params.get("timeout") or 0), self.poll_cap)
        deadline = time.monotonic() + wait
        async with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(
                        self._changed.wait(), timeout=deadline - time.monotonic()
                    )
                except TimeoutError:
                    break
            return self._updates[: int(call.params.get("limit") or 100)]

    async def _m_deleteWebhook(self, call: Call) -> Any:  # noqa: N802
        return True

    async def _m_setWebhook(self, call: Call) -> Any:  # noqa: N802
        return True

    async def _m_setMyCommands(self, call: Call) -> Any:  # noqa: N802
        return True

    async def _m_answerCallbackQuery(self, call: Call) -> Any:  # noqa: N802
        return True

    async def _m_sendMessage(self, call: Call) -> Any:  # noqa: N802
        if int(call.params["chat_id"]) in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        message = self._new(call)
        message.text = str(call.params["text"])
        return message.as_telegram()

    async def _m_sendDocument(self, call: Call) -> Any:  # noqa: N802
        message = self._new(call)
        ref = str(call.params.get("document", ""))
        if not ref.startswith("attach://") or ref.removeprefix("attach://") not in call.files:
            return _error(400, "Bad Request: there is no document in the request")
        message.document = call.files[ref.removeprefix("attach://")]
        message.file_name = str(call.params.get("_filename", "document"))
        message.caption = call.params.get("caption")
        return message.as_telegram()

    async def _m_editMessageText(self, call: Call) -> Any:  # noqa: N802
        message = self._find(call)
        if message is None or message.text is None:
            return _error(400, "Bad Request: message to edit not found")
        text = str(call.params["text"])
        markup = call.params.get("reply_markup")
        if text == message.text and markup == message.reply_markup:
            return _error(400, "Bad Request: message is not modified")
        message.text, message.reply_markup = text, markup
        self._touch(message)
        return message.as_telegram()

    async def _m_editMessageReplyMarkup(self, call: Call) -> Any:  # noqa: N802
        message = self._find(call)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        message.reply_markup = call.params.get("reply_markup")
        self._touch(message)
        return message.as_telegram()

    async def _m_getChat(self, call: Call) -> Any:  # noqa: N802
        chat_id = int(call.params["chat_id"])
        chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": "Test"}
        pinned = self.pinned(chat_id)
        if pinned:
            chat["pinned_message"] = pinned[-1].as_telegram()  # Telegram gives the newest pin
        # getChat answers a ChatFullInfo, whose required fields aiogram checks.
        gifts = dict.fromkeys(
            ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription"), True
        )
        gifts["gifts_from_channels"] = True
        chat.update({"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts})
        return chat

    async def _m_pinChatMessage(self, call: Call) -> Any:  # noqa: N802
        message = self._find(call)
        if message is None:
            return _error(400, "Bad Request: message to pin not found")
        message.pinned_at = next(self._seq)
        return True

    async def _m_unpinChatMessage(self, call: Call) -> Any:  # noqa: N802
        chat_id = int(call.params["chat_id"])
        if "message_id" in call.params:
            message = self._find(call)
        else:  # without message_id: the newest pin
            message = (self.pinned(chat_id) or [None])[-1]
        if message is None or not message.pinned_at:
            return _error(400, "Bad Request: message to unpin not found")
        message.pinned_at = 0
        return True

    def pinned(self, chat_id: int) -> list[ChatMessage]:
        """The chat's pinned messages, oldest pin first."""
        shown = [m for m in self.chats.get(chat_id, []) if m.pinned_at and not m.deleted]
        return sorted(shown, key=lambda m: m.pinned_at)

    async def _m_deleteMessage(self, call: Call) -> Any:  # noqa: N802
        message = self._find(call)
        if message is None:
            return _error(400, "Bad Request: message to delete not found")
        message.deleted = True
        return True

    def _new(self, call: Call) -> ChatMessage:
        chat_id = int(call.params["chat_id"])
        message = ChatMessage(next(self._message_ids), chat_id, from_bot=True)
        message.reply_markup = call.params.get("reply_markup")
        self._touch(message)
        self.chats.setdefault(chat_id, []).append(message)
        return message

    def _find(self, call: Call) -> ChatMessage | None:
        chat_id = int(call.params.get("chat_id", 0))
        message_id = int(call.params.get("message_id", 0))
        for message in self.chats.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                return message
        return None


async def _params(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    params: dict[str, Any] = dict(request.query)
    files: dict[str, bytes] = {}
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = value.file.read()
                params["_filename"] = value.filename
            else:
                params[key] = value
    for key in _JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    return params, files


def _error(code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )
