"""The Telegram bot: updates handled per second and resident memory of `python -m bot`.

The real bot process long-polls a fake Telegram Bot API (the test suite's, in this process)
and calls a served instance of the API. Floors measured in the same run: `/help` needs no
call to the service, `/guide` needs one; the ratio is the cost of the service round trip.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bench.common import onboard, row, served
from tests.bot.fake_telegram import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("ru", "en", "uz", "tg", "ky", "kk")
USERS = int(os.environ.get("BENCH_BOT_USERS", "200"))
UPDATES = int(os.environ.get("BENCH_BOT_UPDATES", "2000"))


def _compile_catalogues(target: Path) -> None:
    for language in LANGUAGES:
        out = target / language / "LC_MESSAGES" / "bot.mo"
        out.parent.mkdir(parents=True)
        source = ROOT / "locales" / language / "LC_MESSAGES" / "bot.po"
        with source.open("rb") as po, out.open("wb") as mo:
            write_mo(mo, read_po(po, locale=language))


def _update(update_id: int, user_id: int, text: str) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "B", "language_code": "uz"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


def _rss_kib(pid: int) -> tuple[int, int]:
    """(resident now, peak resident) in KiB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


async def _burst(fake: FakeTelegram, text: str, count: int) -> float:
    """Queue ``count`` messages from USERS users; updates/s until every answer was sent."""
    sent = fake.counts["sendMessage"]
    start = time.perf_counter()
    for i in range(count):
        await fake.push_update(_update(fake.next_update_id(), 10_000 + i % USERS, text))
    await fake.wait_for(lambda: fake.counts["sendMessage"] >= sent + count, timeout=300)
    return count / (time.perf_counter() - start)


def _aiogram_floor_kib() -> int:
    """Resident memory of a Python that only imports aiogram (its pydantic models)."""
    code = (
        "import aiogram.types, pathlib;"
        "print([l for l in pathlib.Path('/proc/self/status').read_text().splitlines()"
        " if l.startswith('VmRSS')][0].split()[1])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


async def _floor() -> float:
    """/help-sized bursts answered by the bare aiohttp loop (bench/echo_bot.py)."""
    fake = FakeTelegram(poll_cap=0.2)
    await fake.start()
    echo = subprocess.Popen(
        [sys.executable, "-m", "bench.echo_bot", fake.url, TOKEN],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await fake.wait_for(lambda: fake.counts["getUpdates"], timeout=60)
        await _burst(fake, "/help", USERS)
        return await _burst(fake, "/help", UPDATES)
    finally:
        echo.terminate()
        echo.wait(timeout=30)
        await fake.stop()


async def _measure(url: str, key: str, locales: Path) -> None:
    fake = FakeTelegram(poll_cap=0.2)
    await fake.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARD_")}
    env.update(
        ONBOARD_TELEGRAM_BOT_TOKEN=TOKEN,
        ONBOARD_TELEGRAM_API_BASE=fake.url,
        ONBOARD_API_URL=url,
        ONBOARD_BOT_API_KEY=key,
        ONBOARD_BOT_LOCALES_DIR=str(locales),
        ONBOARD_BOT_THROTTLE_BURST="100000",
        ONBOARD_BOT_PROFILE_CACHE_SECONDS="600",
    )
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await fake.wait_for(lambda: fake.counts["getUpdates"], timeout=60)
        idle, _ = _rss_kib(bot.pid)
        # Warm-up: every user's profile created and cached; the service's guide loaded.
        await _burst(fake, "/help", USERS)
        await _burst(fake, "/guide", 10)
        help_rate = await _burst(fake, "/help", UPDATES)
        guide_rate = await _burst(fake, "/guide", UPDATES // 2)
        now, peak = _rss_kib(bot.pid)
    finally:
        bot.terminate()
        bot.wait(timeout=30)
        await fake.stop()
    floor = await _floor()
    row("bare aiohttp polling loop (floor)", f"{floor:,.0f} updates/s", "no aiogram, no handlers")
    row(
        "/help (no service call)",
        f"{help_rate:,.0f} updates/s",
        f"{help_rate / floor:.2f}x floor; {UPDATES} from {USERS} users",
    )
    row(
        "/guide (one service call)",
        f"{guide_rate:,.0f} updates/s",
        f"{guide_rate / help_rate:.2f}x /help",
    )
    memory_floor = _aiogram_floor_kib()
    row(
        "resident memory, idle",
        f"{idle / 1024:,.1f} MiB",
        f"{idle / memory_floor:.2f}x importing aiogram",
    )
    row(
        "resident memory, after the bursts",
        f"{now / 1024:,.1f} MiB",
        f"peak {peak / 1024:,.1f} MiB",
    )


def run() -> None:
    print("\nTelegram bot (python -m bot, long polling a local fake Bot API)")
    with served() as (url, env, _data), tempfile.TemporaryDirectory() as locales:
        key = onboard(["api-keys", "create", "bench-bot", "--scope", "bot"], env).splitlines()[-1]
        _compile_catalogues(Path(locales))
        asyncio.run(_measure(url, key, Path(locales)))


if __name__ == "__main__":
    run()
