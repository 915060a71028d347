"""Stopping on SIGINT and SIGTERM: the one way every long-running shell ends cleanly."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def until_signal(run: Callable[[asyncio.Event], Awaitable[T]]) -> T:
    """Run ``run(stop)`` with SIGINT and SIGTERM setting ``stop`` (the shell then drains)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        return await run(stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
