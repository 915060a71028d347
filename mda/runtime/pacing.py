"""Replay at the pace of event time: a recording's hour takes an hour at speed 1, a minute at 60."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class EventPacer:
    """Sleeps so that event time advances ``speed`` times faster than the wall clock.

    The first event time seen is the origin; times going backwards do not sleep.
    """

    def __init__(
        self,
        speed: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._speed = speed
        self._clock = clock
        self._sleep = sleep
        self._origin: tuple[float, float] | None = None  # (event time, wall clock)

    async def wait_for(self, event_time: float | None) -> None:
        """Return when ``event_time`` is due."""
        if event_time is None:
            return
        now = self._clock()
        if self._origin is None:
            self._origin = (event_time, now)
            return
        event0, wall0 = self._origin
        delay = wall0 + (event_time - event0) / self._speed - now
        if delay > 0:
            await self._sleep(delay)
