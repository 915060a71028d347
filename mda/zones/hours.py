"""Zone hours counted across batches: one row per vessel, zone and clock hour leaves the core.

A vessel in a zone is heard many times an hour, in many batches. The tally keeps, for each
vessel, zone and hour still open, the first and last time it was seen there, and hands the row
on once event time has passed the hour by the lateness (so that fixes arriving within it still
count there). A fix that comes later still, for an hour already handed on, gives a row of its
own: the store merges it into the stored one (earliest first time, latest last time), so the
table equals a recount of the stored positions whatever order they came in. Rows of hours
event time has not reached yet (only a suspect clock gives those) are handed on at once rather
than held for as long as that clock is wrong.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mda.model import ZoneHour

HOUR_S = 3600.0

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
# Rows of the tally, column by column: mmsi, zone (index into the zone ids), hour (number since
# the epoch), first time, last time.
Columns = tuple[Ints, Ints, Ints, Floats, Floats]

_NO_INTS = np.zeros(0, dtype=np.int64)
_NO_FLOATS = np.zeros(0, dtype=np.float64)


class ZoneHourTally:
    """Zone hours being counted; pure state of the pipeline (snapshotted with it)."""

    def __init__(self, zone_ids: list[str]) -> None:
        self.zone_ids = zone_ids
        self._held: Columns = (_NO_INTS, _NO_INTS, _NO_INTS, _NO_FLOATS, _NO_FLOATS)
        self._added: list[Columns] = []  # fixes counted since the rows were last merged

    def add(self, mmsi: Ints, time: Floats, zones: Ints) -> None:
        """Fixes in zones (one entry per fix and zone it is in)."""
        if len(mmsi):
            hour = (time // HOUR_S).astype(np.int64)
            self._added.append((mmsi, zones, hour, time, time))

    def due(self, watermark: float, lateness_s: float) -> list[ZoneHour]:
        """The rows event time (``watermark``) has passed by ``lateness_s``, and those of hours
        it has not reached; the rest stay held."""
        mmsi, zone, hour, first, last = self._merged()
        start = hour * HOUR_S
        hold = (start <= watermark) & (watermark < start + HOUR_S + lateness_s)
        if hold.all():
            return []
        gone = ~hold
        self._held = (mmsi[hold], zone[hold], hour[hold], first[hold], last[hold])
        return self._rows(mmsi[gone], zone[gone], hour[gone], first[gone], last[gone])

    def drain(self) -> list[ZoneHour]:
        """Every row (end of input)."""
        rows = self._rows(*self._merged())
        self._held = (_NO_INTS, _NO_INTS, _NO_INTS, _NO_FLOATS, _NO_FLOATS)
        return rows

    def _merged(self) -> Columns:
        """The held rows with the fixes added since, one row per vessel, zone and hour, in
        that order."""
        if not self._added:
            return self._held
        parts = [self._held, *self._added]
        self._added = []
        mmsi, zone, hour, first, last = (np.concatenate(c) for c in zip(*parts, strict=True))
        order = np.lexsort((hour, zone, mmsi))
        mmsi, zone, hour = mmsi[order], zone[order], hour[order]
        change = np.ones(len(order), dtype=bool)
        change[1:] = (mmsi[1:] != mmsi[:-1]) | (zone[1:] != zone[:-1]) | (hour[1:] != hour[:-1])
        starts = np.flatnonzero(change)
        self._held = (
            mmsi[starts], zone[starts], hour[starts],
            np.minimum.reduceat(first[order], starts), np.maximum.reduceat(last[order], starts),
        )  # fmt: skip
        return self._held

    def _rows(self, mmsi: Ints, zone: Ints, hour: Ints, first: Floats, last: Floats
              ) -> list[ZoneHour]:  # fmt: skip
        ids = self.zone_ids
        return [
            ZoneHour(h * HOUR_S, ids[z], m, t0, t1)
            for h, z, m, t0, t1 in zip(
                hour.tolist(), zone.tolist(), mmsi.tolist(), first.tolist(), last.tolist(),
                strict=True,
            )
        ]  # fmt: skip
