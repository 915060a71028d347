"""Event-time order: records handed to vessel state and rules in fixed slices of event time.

Records arrive late and out of order (terrestrial receivers by seconds, satellite AIS by hours).
The sequencer holds each record in the slice of event time it belongs to (slices of ``SLICE_S``
on a fixed grid, the same in every run) and releases a slice, sorted by time, once event time
has moved ``lateness`` past its end: whatever arrived within the feed's lateness is in order.

A record that comes after its slice was released is *late*: it joins the first slice still
open, and vessel state (``mda.tracks``) keeps it from moving a vessel back in time; it is
stored and counted in history all the same. A record whose time is suspect (``mda.ingest.
clocks``) joins the first open slice too, whatever its time says: it never joins a track, and
its time must neither decide where event time stands nor keep it waiting. A record without
any time passes straight through.

Every decision is taken record by record, from the records before it, so the slices (and all
the rules see) are the same whatever the batches the input came in: read sizes, batch sizes,
pacing, or files it was split into.

Event time moves on the median of the last few trusted times, not the newest: one fix from a
receiver whose clock says 2031 must not close every slice before it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from mda.ingest.clocks import SUSPECT
from mda.model import Position, Record, VesselStatic

# Slices of a minute: a rule sees event time move on in steps of this much at most. Finer
# costs the rules' and zones' passes per slice (measured on a 15-vessel scenario of 11,000
# lines: about 15 ms a slice); live, an alert comes at most the lateness and one slice after
# the fix that caused it (``[pipeline] step`` sets it: finer for faster live alerts).
SLICE_S: Final = 60.0
# Default lateness of a source: terrestrial feeds arrive seconds late; configure hours for
# satellite feeds.
DEFAULT_LATENESS_S: Final = 120.0
# Event time is the median of this many recent trusted times (an odd number).
RECENT_TIMES: Final = 5

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(slots=True)
class TimeSlice:
    """Records of one slice of event time, in time order (ties in arrival order)."""

    end: float
    positions: list[Position] = field(default_factory=list)
    statics: list[VesselStatic] = field(default_factory=list)


class Sequencer:
    """Holds records until their slice of event time is complete; pure and deterministic.

    A batch is handled with arrays, record by record in effect: the event time each record
    leaves behind is a running maximum, so each record's verdict (which slice, late or not)
    is the one a loop over the records would give.
    """

    def __init__(self, slice_s: float = SLICE_S) -> None:
        self.slice_s = slice_s
        self.frontier = -math.inf  # event time all trusted sources are known to have reached
        self.open_from = -math.inf  # number of the first slice not yet released
        # Held records by slice number: pieces of (times, arrival numbers, records).
        self._held: dict[int, list[tuple[Floats, Ints, list[Record]]]] = {}
        self._recent: list[float] = []  # the last trusted times (up to RECENT_TIMES - 1)
        self._seq = 0  # arrival order, the tie-break within a slice
        self.late = 0  # records that came after their slice was released

    @property
    def held(self) -> int:
        """Records waiting for their slice to complete."""
        return sum(len(piece[2]) for pieces in self._held.values() for piece in pieces)

    def push(
        self, records: Iterable[Record], lateness_s: float
    ) -> tuple[list[TimeSlice], list[Record]]:
        """Take records of one source; returns the slices now complete, in order, and the
        records that pass straight through (those without any time)."""
        passing: list[Record] = []
        timed: list[Record] = []
        for record in records:
            if record.time is None:
                passing.append(record)
            else:
                timed.append(record)
        if not timed:
            return self._release(self.open_from), passing
        n = len(timed)
        t = np.fromiter((r.time for r in timed), np.float64, n)
        trusted = np.fromiter((r.time_quality != SUSPECT for r in timed), np.bool_, n)
        before = len(self._recent)
        span = np.concatenate((np.array(self._recent, dtype=np.float64), t[trusted]))
        # Where event time stands after each trusted record: the median of the last
        # RECENT_TIMES trusted times (the earliest while fewer have come), less the lateness.
        stat = np.minimum.accumulate(span)
        if len(span) >= RECENT_TIMES:
            windows = np.lib.stride_tricks.sliding_window_view(span, RECENT_TIMES)
            stat[RECENT_TIMES - 1 :] = np.median(windows, axis=1)
        moved = np.full(n, -math.inf)
        moved[trusted] = stat[before:] - lateness_s  # a suspect time moves nothing
        reached = np.maximum.accumulate(np.concatenate(([self.frontier], moved)))
        opened = np.maximum(self.open_from, np.floor(reached / self.slice_s))
        still_open = opened[:-1]  # the first slice not released when each record came
        number = np.floor(t / self.slice_s)
        late = trusted & (number < still_open)  # its slice was released before it came
        # A suspect time neither holds a record back nor makes it late: the open slice takes it.
        number = np.where(late | (~trusted & np.isfinite(still_open)), still_open, number)
        self.late += int(late.sum())
        seq = np.arange(self._seq + 1, self._seq + 1 + n, dtype=np.int64)
        self._seq += n
        order = np.argsort(number, kind="stable")
        sorted_number = number[order]
        cuts = np.flatnonzero(np.r_[True, sorted_number[1:] != sorted_number[:-1]])
        ends = np.r_[cuts[1:], n]
        for a, b in zip(cuts.tolist(), ends.tolist(), strict=True):
            rows = order[a:b]
            self._held.setdefault(int(sorted_number[a]), []).append(
                (t[rows], seq[rows], [timed[i] for i in rows.tolist()])
            )
        self._recent = span[-(RECENT_TIMES - 1) :].tolist()
        self.frontier = float(reached[-1])
        self.open_from = float(opened[-1])
        return self._release(self.open_from), passing

    def advance(self, now: float) -> list[TimeSlice]:
        """The clock says event time has reached ``now`` (live mode): release what is due."""
        if now > self.frontier:
            self.frontier = now
            self.open_from = max(self.open_from, math.floor(now / self.slice_s))
        return self._release(self.open_from)

    def flush(self) -> list[TimeSlice]:
        """End of input: every held record, in order; what comes after is late."""
        if self._held:
            self.open_from = max(self.open_from, max(self._held) + 1)
        return self._release(math.inf)

    def _release(self, before: float) -> list[TimeSlice]:
        out = []
        for n in sorted(n for n in self._held if n < before):
            pieces = self._held.pop(n)
            times = np.concatenate([p[0] for p in pieces])
            seqs = np.concatenate([p[1] for p in pieces])
            records = [r for p in pieces for r in p[2]]
            piece = TimeSlice((n + 1) * self.slice_s)
            for i in np.lexsort((seqs, times)).tolist():
                record = records[i]
                if isinstance(record, Position):
                    piece.positions.append(record)
                else:
                    piece.statics.append(record)
            out.append(piece)
        return out
