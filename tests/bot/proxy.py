"""A loopback proxy in front of the service that can make it slow or make it fail."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

_HOP = {"host", "content-length", "transfer-encoding", "connection", "content-encoding"}


@dataclass
class Trouble:
    """What goes wrong: ``status`` answers every request at once (503: down);
    ``slow`` delays the answer to requests whose path contains the key, *after* the
    service has handled them (the write is done, the client gives up waiting)."""

    status: int | None = None
    slow: dict[str, float] = field(default_factory=dict)


class FlakyProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.trouble = Trouble()
        self.requests: list[tuple[str, str]] = []
        self.acting: list[tuple[str, str, str | None]] = []  # method, path, X-Telegram-User-Id
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> str:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        self.acting.append(
            (request.method, request.path, request.headers.get("X-Telegram-User-Id"))
        )
        if self.trouble.status is not None:
            return web.Response(status=self.trouble.status, text="unavailable")
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        async with self._session.request(
            request.method,
            self.upstream + request.path_qs,
            headers=headers,
            data=await request.read(),
        ) as upstream:
            body = await upstream.read()
            status = upstream.status
            out = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP}
        for fragment, seconds in self.trouble.slow.items():
            if fragment in request.path and request.method != "GET":
                await asyncio.sleep(seconds)
        return web.Response(status=status, body=body, headers=out)
