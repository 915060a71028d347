"""Plausible time: a fix whose time is far from the feed's own time is quarantined.

A receiver whose clock is broken (a dead RTC battery, a GPS that has not locked, a recorder
that restamped a file) can put each fix on another day or year while the message's own UTC
second still agrees. Stored as it is, every such fix would land on a day of its own: history
with holes in time, and in the database one partition a day until it runs out of memory.
The clock judge (``mda.ingest.clocks``) cannot see it, because the seconds agree; the feed
can: its other records say where time stands.

So a timed record is *quarantined* (counted, never handed on, never stored) when its time is
more than ``window`` from the median of the last few accepted times, or, live, from the wall
clock the shell last gave. A feed that really moves on (the next file of an archive, a clock
put right) is recognised by several records in a row that agree with one another: they
become the new reference and are handed on.

Like the sequencer, every verdict is taken record by record from the records before it, so it
is the same whatever the batches the input came in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median_low
from typing import Final

import numpy as np

from mda.model import Record
from mda.timefmt import iso

# How far a time may be from where the feed stands. Satellite fixes come hours late and
# terrestrial receivers' clocks disagree by seconds to minutes; a fix days away from every
# other record of its feed is a broken clock. A source's lateness widens it (x2).
WINDOW_S: Final = 86_400.0
# The reference is the median of this many recent accepted times (odd), and a feed has moved
# when this many records in a row agree with one another (within the window).
RECENT: Final = 5
# Live: how far ahead of the wall clock a fix may claim to be (receivers' clocks drift).
AHEAD_OF_NOW_S: Final = 900.0


@dataclass(slots=True)
class Quarantine:
    """What was set aside: counts by source and the first example of each."""

    count: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    example: dict[str, float] = field(default_factory=dict)  # source -> first time refused

    def add(self, record: Record) -> None:
        self.count += 1
        source = getattr(record, "source", "") or "-"
        self.by_source[source] = self.by_source.get(source, 0) + 1
        if source not in self.example and record.time is not None:
            self.example[source] = record.time

    def notes(self, window_s: float, most: int = 8) -> list[str]:
        """One line a source, the busiest first: what a user checks about a receiver."""
        busiest = sorted(self.by_source.items(), key=lambda kv: (-kv[1], kv[0]))[:most]
        return [
            f"{source}: {n:,} fixes quarantined, their time far (more than "
            f"{window_s / 3600:g} h) from the feed's or from now (the first said "
            f"{iso(self.example[source])}): a broken receiver clock; not stored"
            for source, n in busiest
            if source in self.example
        ]


class TimeGate:
    """Screens records' times against the feed's recent ones (and the wall clock, live)."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self.now: float | None = None  # the wall clock the shell last gave (live mode)
        self._recent: list[float] = []  # the last accepted times (up to RECENT)
        # Records that disagree with the reference, waiting to see whether the feed moved:
        # they are handed on if RECENT of them in a row agree, else quarantined.
        self._pending: list[Record] = []
        self.quarantine = Quarantine()

    def screen(self, records: Sequence[Record], lateness_s: float = 0.0) -> list[Record]:
        """The records whose time is plausible (and those without a time), in order."""
        window = max(self.window_s, 2.0 * lateness_s)
        if not self._pending and self._fast_path_holds(records, window):
            self._recent = self._last_times(records)
            return list(records)
        out: list[Record] = []
        for record in records:
            self._one(record, window, out)
        return out

    def flush(self) -> list[Record]:
        """End of input: what still waits to see whether the feed moved has not shown it."""
        for record in self._pending:
            self.quarantine.add(record)
        self._pending = []
        return []

    # -- record by record -----------------------------------------------------------------------

    def _one(self, record: Record, window: float, out: list[Record]) -> None:
        t = record.time
        if t is None:
            out.append(record)
            return
        if self.now is not None and not (self.now - window <= t <= self.now + AHEAD_OF_NOW_S):
            self.quarantine.add(record)
            return
        if len(self._recent) < RECENT or abs(t - median_low(self._recent)) <= window:
            self._accept(t)
            out.append(record)
            if self._pending:  # one agreeing record: those that disagreed were strays
                self.flush()
            return
        pending = self._pending
        if pending and abs(t - _time(pending[-1])) > window:
            self.flush()  # they do not agree with one another: strays, not a move
        self._pending.append(record)
        if len(self._pending) >= RECENT:  # the feed has moved: follow it
            moved = self._pending
            self._pending = []
            for r in moved:
                self._accept(_time(r))
            out.extend(moved)

    def _accept(self, t: float) -> None:
        self._recent.append(t)
        if len(self._recent) > RECENT:
            del self._recent[0]

    # -- the common case, on arrays -------------------------------------------------------------

    def _fast_path_holds(self, records: Sequence[Record], window: float) -> bool:
        """True when a loop over ``records`` would accept every one (clean input): each time
        within the window of the median of the RECENT times before it, all accepted."""
        times = np.fromiter(
            (math.nan if r.time is None else r.time for r in records), np.float64, len(records)
        )
        t = times[~np.isnan(times)]
        if not len(t):
            return True
        if self.now is not None and not (
            (t >= self.now - window).all() and (t <= self.now + AHEAD_OF_NOW_S).all()
        ):
            return False
        span = np.concatenate((np.array(self._recent, dtype=np.float64), t))
        before = len(self._recent)
        if len(span) <= RECENT:
            return True
        # Median (low) of the RECENT accepted times before each record of the batch.
        windows = np.lib.stride_tricks.sliding_window_view(span[:-1], RECENT)
        low = np.sort(windows, axis=1)[:, (RECENT - 1) // 2]
        judged = t[max(RECENT - before, 0) :]
        return bool((np.abs(judged - low[max(before - RECENT, 0) :]) <= window).all())

    def _last_times(self, records: Sequence[Record]) -> list[float]:
        times = [r.time for r in records if r.time is not None]
        return (self._recent + times)[-RECENT:]


def _time(record: Record) -> float:
    assert record.time is not None
    return record.time
