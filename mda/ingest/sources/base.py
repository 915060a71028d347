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


@dataclass(slots=True)
class SourceCounts:
    """What a source dropped before any line reached the core (the service adds these to the
    run's counts: ``IngestStats`` has a field of each name)."""

    oversized_lines: int = 0  # a "line" longer than ``LineSplitter.MAX_PENDING``
    dropped_datagrams: int = 0  # UDP datagrams a full queue could not take


class Source(Protocol):
    """An async producer of line batches."""

    name: str
    lateness_s: float | None

    @property
    def counts(self) -> SourceCounts:
        """What the source dropped before any line reached the core."""
        ...

    def batches(self) -> AsyncIterator[LineBatch]:
        """Yield batches until the input ends (recordings) or forever (live feeds)."""
        ...


class LineSplitter:
    """Cuts a byte stream into lines, keeping a partial last line for the next chunk."""

    MAX_PENDING = 1 << 20  # a "line" longer than 1 MiB is garbage: dropped, not buffered

    def __init__(self, counts: SourceCounts | None = None) -> None:
        self._tail = b""
        # Inside a line already dropped as oversized: the rest of it, up to its newline, goes
        # too (one line, one count; its end is no line of its own).
        self._skipping = False
        self.counts = SourceCounts() if counts is None else counts

    def feed(self, chunk: bytes) -> list[bytes]:
        """Complete lines of ``chunk`` (with what was left from before)."""
        data = self._tail + chunk if self._tail else chunk
        lines = data.split(b"\n")
        if self._skipping:
            if len(lines) == 1:
                return []  # the oversized line goes on
            del lines[0]
            self._skipping = False
        self._tail = lines.pop()
        if len(self._tail) > self.MAX_PENDING:
            self.counts.oversized_lines += 1
            self._tail = b""
            self._skipping = True
        return lines

    def flush(self) -> list[bytes]:
        """The last line of a stream that did not end with a newline."""
        tail, self._tail = self._tail, b""
        self._skipping = False
        return [tail] if tail else []
