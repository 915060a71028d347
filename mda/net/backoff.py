"""How long to wait before trying again to reach something that is away."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn


class Backoff:
    """Waits that start at ``first`` seconds and double, up to ``most``, until ``reset()``.

    Doubling keeps a service that is down from being hammered, the bound keeps recovery
    prompt once it is back, and a reset after each success starts the next outage afresh.
    """

    __slots__ = ("_delay", "first", "most")

    def __init__(self, bounds: tuple[float, float]) -> None:
        first, most = bounds
        if not 0 < first <= most:
            raise ValueError(f"backoff bounds {bounds!r}: expected 0 < first <= most")
        self.first = first
        self.most = most
        self._delay = first

    @property
    def delay(self) -> float:
        """Seconds the next ``wait()`` sleeps (for the log line that announces it)."""
        return self._delay

    def reset(self) -> None:
        """The other side answered: the next wait is the shortest again."""
        self._delay = self.first

    async def wait(self) -> None:
        """Sleep the current delay, then double it (up to the bound) for the next time."""
        delay = self._delay
        self._delay = min(delay * 2, self.most)
        await asyncio.sleep(delay)


async def reconnecting(
    session: Callable[[], Awaitable[object]],
    backoff: Backoff,
    failures: tuple[type[Exception], ...],
    on_break: Callable[[BaseException | None], None],
) -> NoReturn:
    """Run ``session`` (connect, then serve until the connection breaks) again and again until
    cancelled, waiting ``backoff`` between runs.

    A session calls ``backoff.reset()`` once connected. ``failures`` are what a broken
    connection raises, alone or grouped by a task group; ``on_break`` gets the first of them
    (None when the session simply ended) before the wait, to count it and log one line.
    Anything else, cancellation included, ends the loop.
    """
    backoff.reset()  # a run that starts again (a restarted service) starts with the shortest wait
    while True:
        failure: BaseException | None = None
        try:
            await session()
        except* failures as group:
            failure = group.exceptions[0]
        on_break(failure)
        await backoff.wait()
