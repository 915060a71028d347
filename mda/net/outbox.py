"""What waits between a pipeline that must never wait and a connection that may be away.

Alerts for the broker, partner feed messages, CoT events for a TAK server: each is queued by
the service without blocking and sent by a task of its own, which removes an item only once it
was delivered (so a lost connection resends, never skips). The queue is bounded: when full, the
oldest item is dropped and counted, since a newer report supersedes an older one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class Outbox(Generic[T]):
    """A bounded first-in first-out queue with a sender's wake-up and a drain to wait for."""

    def __init__(self, limit: int) -> None:
        self.items: deque[T] = deque()
        self.limit = limit
        self.dropped = 0  # oldest items pushed out while the queue was full
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    def __len__(self) -> int:
        return len(self.items)

    def put(self, items: Iterable[T]) -> None:
        """Queue items (never blocks); the sender is woken."""
        added = False
        for item in items:
            if len(self.items) >= self.limit:
                self.items.popleft()
                self.dropped += 1
            self.items.append(item)
            added = True
        if added:
            self._idle.clear()
            self._wake.set()

    def done(self, item: T) -> None:
        """The front item was delivered: remove it (unless the bound already pushed it out
        while it was being sent)."""
        if self.items and self.items[0] is item:
            self.items.popleft()
        _honour_swallowed_cancel()

    async def emptied(self) -> None:
        """The sender has sent everything: mark the queue drained and wait for more."""
        _honour_swallowed_cancel()
        self._idle.set()
        self._wake.clear()
        await self._wake.wait()

    async def flush(self, timeout_s: float) -> bool:
        """Wait until every queued item is delivered; False if the time ran out."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True


def _honour_swallowed_cancel() -> None:
    """Raise the cancellation a send swallowed.

    On Python 3.11, ``asyncio.wait_for`` (which client libraries use to wait for a broker's
    acknowledgement) returns the result and drops a cancel that arrives in the same loop turn as
    the acknowledgement. The sender then waited for more work forever and a service stop hung;
    the task still counts the request, so it is honoured here.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
