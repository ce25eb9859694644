"""The decode gate: at most N images decoded at once; beyond the wait, 503 with Retry-After."""

from __future__ import annotations

import asyncio

import pytest

from service.core.errors import ServiceBusy
from service.proofs.decode import DecodeGate


def test_no_more_than_the_slots_run_at_once_and_the_others_wait_their_turn() -> None:
    async def scenario() -> tuple[int, int]:
        gate = DecodeGate(slots=2, wait=10)
        running = peak = done = 0

        async def decode() -> None:
            nonlocal running, peak, done
            async with gate:
                running += 1
                peak = max(peak, running)
                await asyncio.sleep(0.02)
                running -= 1
                done += 1

        await asyncio.gather(*(decode() for _ in range(7)))
        return peak, done

    assert asyncio.run(scenario()) == (2, 7)


def test_a_request_that_cannot_get_a_slot_in_time_is_told_when_to_retry() -> None:
    async def scenario() -> None:
        gate = DecodeGate(slots=1, wait=0.01, retry_after=3)
        async with gate:
            with pytest.raises(ServiceBusy) as caught:
                async with gate:
                    pass
            assert caught.value.retry_after == 3 and caught.value.status == 503
        async with gate:  # the slot was given back
            pass

    asyncio.run(scenario())
