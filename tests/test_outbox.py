"""The outbox between the pipeline and a connection: order, bound, drain and stop."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from mda.net.outbox import Outbox


async def test_items_leave_in_order_and_a_full_queue_drops_the_oldest() -> None:
    outbox: Outbox[int] = Outbox(limit=3)
    outbox.put(range(5))
    assert list(outbox.items) == [2, 3, 4] and outbox.dropped == 2
    sent: list[int] = []

    async def sender() -> None:
        while True:
            while outbox.items:
                item = outbox.items[0]
                await asyncio.sleep(0)
                sent.append(item)
                outbox.done(item)
            await outbox.emptied()

    task = asyncio.create_task(sender())
    assert await outbox.flush(5.0)
    outbox.put([7])
    assert await outbox.flush(5.0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert sent == [2, 3, 4, 7]


async def test_a_sender_whose_cancel_was_swallowed_still_stops() -> None:
    # Python 3.11's asyncio.wait_for drops a cancel that arrives with the broker's
    # acknowledgement; the outbox honours it at the next delivery instead of waiting forever.
    outbox: Outbox[int] = Outbox(limit=10)
    outbox.put([1])
    publishing = asyncio.Event()

    async def sender() -> None:
        while True:
            while outbox.items:
                item = outbox.items[0]
                publishing.set()
                with contextlib.suppress(asyncio.CancelledError):  # the swallowed cancel
                    await asyncio.sleep(30)
                outbox.done(item)
            await outbox.emptied()

    task = asyncio.create_task(sender())
    await publishing.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5.0)
    assert not outbox.items  # it was delivered before the stop took effect
