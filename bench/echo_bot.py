"""The transport floor for the bot benchmark: a bare long-polling loop with aiohttp that
answers every message with one sendMessage, no aiogram, no handlers, no service.

Run as ``python -m bench.echo_bot BASE_URL TOKEN``; it stops by itself after ten minutes.
"""

from __future__ import annotations

import asyncio
import sys
import time

import aiohttp


async def main(base: str, token: str) -> None:
    url = f"{base}/bot{token}/"
    offset = 0
    deadline = time.monotonic() + 600
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as http:

        async def answer(update: dict) -> None:  # type: ignore[type-arg]
            chat = update["message"]["chat"]["id"]
            async with http.post(url + "sendMessage", json={"chat_id": chat, "text": "ok"}) as r:
                await r.read()

        while time.monotonic() < deadline:
            params = {"offset": offset, "timeout": 1}
            async with http.post(url + "getUpdates", json=params) as r:
                updates = (await r.json())["result"]
            if updates:
                offset = updates[-1]["update_id"] + 1
                await asyncio.gather(*(answer(u) for u in updates))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
