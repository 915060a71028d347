"""Event-time order: records handed to vessel state and rules in fixed slices of event time.

Records arrive late and out of order (terrestrial receivers by seconds, satellite AIS by hours).
The sequencer holds each record in the slice of event time it belongs to (slices of ``SLICE_S``
on a fixed grid, the same in every run) and releases a slice, sorted by time, once event time
has moved ``lateness`` past its end: whatever arrived within the feed's lateness is in order.

A record that comes after its slice was released is *late*: it joins the first slice still
open, and vessel state (``mda.tracks``) keeps it from moving a vessel back in time; it is
stored and counted in history all the same. A record whose time is suspect (``mda.ingest.
clocks``), or that has no time at all, is not held: it never joins a track, and its time must
neither decide where event time stands nor keep it waiting.

Every decision is taken record by record, from the records before it, so the slices (and all
the rules see) are the same whatever the batches the input came in: read sizes, batch sizes,
pacing, or files it was split into.

Event time moves on the median of the last few trusted times, not the newest: one fix from a
receiver whose clock says 2031 must not close every slice before it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

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


@dataclass(slots=True)
class TimeSlice:
    """Records of one slice of event time, in time order (ties in arrival order)."""

    end: float
    positions: list[Position] = field(default_factory=list)
    statics: list[VesselStatic] = field(default_factory=list)


class Sequencer:
    """Holds records until their slice of event time is complete; pure and deterministic."""

    def __init__(self, slice_s: float = SLICE_S) -> None:
        self.slice_s = slice_s
        self.frontier = -math.inf  # event time all trusted sources are known to have reached
        self.open_from = -math.inf  # number of the first slice not yet released
        self._held: dict[int, list[tuple[float, int, Record]]] = {}
        self._recent: deque[float] = deque(maxlen=RECENT_TIMES)
        self._seq = 0  # arrival order, the tie-break within a slice
        self.late = 0  # records that came after their slice was released

    @property
    def held(self) -> int:
        """Records waiting for their slice to complete."""
        return sum(len(v) for v in self._held.values())

    def push(
        self, records: Iterable[Record], lateness_s: float
    ) -> tuple[list[TimeSlice], list[Record]]:
        """Take records of one source; returns the slices now complete, in order, and the
        records that pass straight through (no time, or a suspect one)."""
        untimed: list[Record] = []
        held = self._held
        recent = self._recent
        slice_s = self.slice_s
        open_from = self.open_from
        frontier = self.frontier
        seq = self._seq
        for record in records:
            t = record.time
            if t is None or record.time_quality == SUSPECT:
                untimed.append(record)
                continue
            number = math.floor(t / slice_s)
            if number < open_from:
                self.late += 1
                number = int(open_from)
            seq += 1
            bucket = held.get(number)
            if bucket is None:
                bucket = held[number] = []
            bucket.append((t, seq, record))
            recent.append(t)
            if len(recent) == RECENT_TIMES:
                reached = sorted(recent)[RECENT_TIMES // 2] - lateness_s
            else:
                reached = min(recent) - lateness_s
            if reached > frontier:
                frontier = reached
                open_from = max(open_from, math.floor(frontier / slice_s))
        self._seq = seq
        self.frontier = frontier
        self.open_from = open_from
        return self._release(open_from), untimed

    def advance(self, now: float) -> list[TimeSlice]:
        """The clock says event time has reached ``now`` (live mode): release what is due."""
        if now > self.frontier:
            self.frontier = now
            self.open_from = max(self.open_from, math.floor(now / self.slice_s))
        return self._release(self.open_from)

    def flush(self) -> list[TimeSlice]:
        """End of input: every held record, in order."""
        slices = self._release(math.inf)
        if self._held:
            self.open_from = max(self._held) + 1
        return slices

    def _release(self, before: float) -> list[TimeSlice]:
        due = sorted(n for n in self._held if n < before)
        out = []
        for n in due:
            rows = self._held.pop(n)
            rows.sort(key=_order)
            piece = TimeSlice((n + 1) * self.slice_s)
            for _, _, record in rows:
                if isinstance(record, Position):
                    piece.positions.append(record)
                else:
                    piece.statics.append(record)
            out.append(piece)
        return out


def _order(row: tuple[float, int, Record]) -> tuple[float, int]:
    return row[0], row[1]
