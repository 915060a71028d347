"""Driving sources: batches from several sources as one stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from mda.ingest.sources import FileSource, LineBatch, Source

_DONE = object()


async def merged_batches(
    sources: Sequence[Source], queue_size: int = 64
) -> AsyncIterator[LineBatch]:
    """Batches of all sources. Recordings alone are read one after the other, in order, so a
    replay is deterministic; with any live source all are read concurrently."""
    if all(isinstance(s, FileSource) for s in sources):
        for source in sources:
            async for batch in source.batches():
                batch.lateness_s = source.lateness_s
                yield batch
        return
    queue: asyncio.Queue[LineBatch | object] = asyncio.Queue(queue_size)
    errors: list[BaseException] = []

    async def pump(source: Source) -> None:
        try:
            async for batch in source.batches():
                batch.lateness_s = source.lateness_s
                await queue.put(batch)  # a full queue holds the source back (backpressure)
        except Exception as exc:  # reported to the consumer, which fails with it
            errors.append(exc)
        finally:
            await queue.put(_DONE)

    tasks = [asyncio.create_task(pump(s)) for s in sources]
    remaining = len(tasks)
    try:
        while remaining:
            item = await queue.get()
            if item is _DONE:
                remaining -= 1
                if errors:
                    raise errors[0]
                continue
            assert isinstance(item, LineBatch)
            yield item
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
