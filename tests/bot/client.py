"""A Telegram user talking to the bot, as seen from the phone.

``Chat`` sends messages and presses buttons; updates reach the bot either through
``Dispatcher.feed_update`` (handler-level tests: every call returns after the handlers ran)
or through the fake server's ``getUpdates`` (polling: the test waits for what it expects).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update

from tests.bot.fake_telegram import ChatMessage, FakeTelegram

_users = itertools.count(1)


def new_user_id() -> int:
    """Distinct Telegram ids per test and per run, so the shared service keeps them apart."""
    return int(time.time() * 1000) % 10**9 * 1000 + next(_users) % 1000


class Chat:
    def __init__(
        self,
        fake: FakeTelegram,
        *,
        bot: Bot | None = None,
        dispatcher: Dispatcher | None = None,
        user_id: int | None = None,
        language_code: str | None = "ru",
    ) -> None:
        self.fake = fake
        self.bot = bot
        self.dispatcher = dispatcher
        self.user_id = user_id or new_user_id()
        self.language_code = language_code
        self._mark = 0

    # -- what the user sees

    @property
    def messages(self) -> list[ChatMessage]:
        return self.fake.bot_messages(self.user_id)

    @property
    def last(self) -> ChatMessage:
        return self.messages[-1]

    def since_mark(self) -> list[ChatMessage]:
        """Messages sent or changed since the user's last action, in chat order."""
        return [m for m in self.messages if m.seq > self._mark]

    def texts(self) -> list[str]:
        """Bodies of the bot's messages since the last action (edits included)."""
        return [m.body for m in self.since_mark()]

    def text(self) -> str:
        return "\n---\n".join(self.texts())

    def mark(self) -> None:
        self._mark = self.fake.seq

    def find_button(self, label: str, exact: bool = False) -> tuple[ChatMessage, dict[str, Any]]:
        """The newest visible button whose text contains (or is) ``label``."""
        for message in reversed(self.messages):
            for button in message.buttons():
                if label == button["text"] or (not exact and label in button["text"]):
                    return message, button
        raise AssertionError(f"no button {label!r}; last message: {self.last.body!r}")

    def reply_keyboard(self) -> dict[str, Any] | None:
        """The keyboard under the chat: the newest reply keyboard the bot sent."""
        for message in reversed(self.fake.chats.get(self.user_id, [])):
            if message.from_bot and "keyboard" in (message.reply_markup or {}):
                return message.reply_markup
        return None

    def buttons(self) -> list[str]:
        return [b["text"] for b in self.last.buttons()]

    # -- what the user does

    async def say(self, text: str | None, **extra: Any) -> None:
        """Send a message (``text=None`` with ``extra`` for a photo or sticker)."""
        self.mark()
        own = self.fake.user_message(self.user_id, text)
        message: dict[str, Any] = {
            "message_id": own.message_id,
            "date": int(time.time()),
            "chat": {"id": self.user_id, "type": "private"},
            "from": self._from(),
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message.update(extra)
        await self._deliver({"update_id": self.fake.next_update_id(), "message": message})

    async def press(self, label: str, exact: bool = False) -> None:
        """Press the newest button whose text contains (or is) ``label``."""
        message, button = self.find_button(label, exact)
        await self.press_data(button["callback_data"], message)

    async def press_data(self, data: str, message: ChatMessage | None = None) -> None:
        """Send a callback with raw data (an old or forged button), on ``message``."""
        self.mark()
        target = message or self.last
        update = {
            "update_id": self.fake.next_update_id(),
            "callback_query": {
                "id": str(self.fake.next_update_id()),
                "from": self._from(),
                "chat_instance": str(self.user_id),
                "message": target.as_telegram(),
                "data": data,
            },
        }
        await self._deliver(update)

    async def expect(self, fragment: str, timeout: float = 20.0) -> ChatMessage:
        """Wait (polling mode) for a message since the last action containing ``fragment``."""

        def seen() -> ChatMessage | None:
            return next((m for m in self.since_mark() if fragment in m.body), None)

        message: ChatMessage = await self.fake.wait_for(seen, timeout)
        return message

    def _from(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": "Test"}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    async def _deliver(self, update: dict[str, Any]) -> None:
        if self.dispatcher is None:
            await self.fake.push_update(update)
            return
        assert self.bot is not None
        await self.dispatcher.feed_update(
            self.bot, Update.model_validate(update, context={"bot": self.bot})
        )
