"""Deadline reminders: claimed from the service, sent in the holder's language, confirmed.

The service decides what is due and when (never at night in the holder's zone, never for a
muted card) and hands each reminder out once, durably; the bot only delivers. A reminder
is confirmed after Telegram accepted it. One that could not be sent for a passing reason
(Telegram or the network down) stays unconfirmed and is offered again after the service's
lease (ten minutes); one that can never be delivered (the user blocked the bot) is
confirmed so it does not come back forever. Delivery is therefore at least once, and a
duplicate can only follow a crash between Telegram's answer and the confirmation.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.utils.i18n import I18n

from bot import keyboards, texts
from bot.api import Reminder, ServiceClient, ServiceError
from bot.i18n import pick

log = logging.getLogger("onboard.bot.reminders")


class ReminderSender:
    def __init__(self, bot: Bot, api: ServiceClient, i18n: I18n, *, batch: int = 100) -> None:
        self.bot = bot
        self.api = api
        self.i18n = i18n
        self.batch = batch

    async def run_once(self) -> int:
        """Claim what is due now and deliver it; the number of reminders delivered."""
        delivered = 0
        for _round in range(10):  # a bounded drain: the next tick takes the rest
            items = await self.api.claim_reminders(self.batch)
            for item in items:
                outcome = await self._deliver(item)
                if outcome == "retry-later":
                    return delivered  # Telegram asked us to slow down, or is away
                delivered += outcome == "sent"
            if len(items) < self.batch:
                break
        return delivered

    async def run(self, interval: float) -> None:
        """Every ``interval`` seconds until cancelled; the service being down is waited out."""
        while True:
            try:
                sent = await self.run_once()
                if sent:
                    log.info("reminders delivered: %d", sent)
            except ServiceError as exc:
                log.warning("reminders not claimed: %s", exc)
            await asyncio.sleep(interval)

    async def _deliver(self, item: Reminder) -> str:
        language = pick(item.language, self.i18n.default_locale)
        with self.i18n.context(), self.i18n.use_locale(language):
            text = texts.reminder(item)
            markup = keyboards.reminder(item.card_number)
        try:
            await self.bot.send_message(item.telegram_user_id, text, reply_markup=markup)
        except TelegramRetryAfter as exc:
            log.warning("Telegram asks to wait %s s; reminders resume later", exc.retry_after)
            await asyncio.sleep(min(exc.retry_after, 60))
            return "retry-later"
        except (TelegramForbiddenError, TelegramNotFound):
            log.info("a reminder could not be delivered: the chat is closed to the bot")
            await self._confirm(item)  # it will never go through: do not offer it again
            return "undeliverable"
        except TelegramAPIError as exc:
            log.warning("reminder not sent (%s); it will be offered again", type(exc).__name__)
            return "retry-later"
        await self._confirm(item)
        return "sent"

    async def _confirm(self, item: Reminder) -> None:
        for attempt in range(3):
            with suppress(ServiceError):
                await self.api.confirm_reminder(item.id)
                return
            await asyncio.sleep(0.5 * 2**attempt)
        log.error("reminder %d sent but not confirmed; it may be sent again", item.id)
