"""What every source yields: batches of raw lines stamped with their arrival."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("mda.sources")

# Lines handed on per batch; large enough that per-batch costs vanish, small enough for latency.
BATCH_LINES = 5_000


@dataclass(slots=True)
class LineBatch:
    """Lines from one feed as they arrived. ``arrival`` is wall-clock epoch seconds stamped by a
    live source, or None for recordings (their lines carry their own time)."""

    feed: str
    arrival: float | None
    lines: list[bytes]
    # How late this source's lines may come and still be put in event-time order (None: the
    # pipeline's default); set from the source's configuration.
    lateness_s: float | None = None
    # The input is over although the source stays open (a replay kept serving): what the
    # pipeline holds back for late lines is released.
    end_of_input: bool = False


class Source(Protocol):
    """An async producer of line batches."""

    name: str
    lateness_s: float | None

    def batches(self) -> AsyncIterator[LineBatch]:
        """Yield batches until the input ends (recordings) or forever (live feeds)."""
        ...


class LineSplitter:
    """Cuts a byte stream into lines, keeping a partial last line for the next chunk."""

    MAX_PENDING = 1 << 20  # a "line" longer than 1 MiB is garbage: dropped, not buffered

    def __init__(self) -> None:
        self._tail = b""
        self.overflows = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        """Complete lines of ``chunk`` (with what was left from before)."""
        data = self._tail + chunk if self._tail else chunk
        lines = data.split(b"\n")
        self._tail = lines.pop()
        if len(self._tail) > self.MAX_PENDING:
            self.overflows += 1
            self._tail = b""
        return lines

    def flush(self) -> list[bytes]:
        """The last line of a stream that did not end with a newline."""
        tail, self._tail = self._tail, b""
        return [tail] if tail else []
