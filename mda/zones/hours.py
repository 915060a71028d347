"""Zone hours counted across batches: at most two rows per vessel, zone and clock hour leave
the core.

A vessel in a zone is heard many times an hour, in many batches. The tally keeps, for each
vessel, zone and hour still open, the first and last time it was seen there. The row is handed
on twice: once at the end of the step that first saw it (so the current hour's traffic shows
the vessel at once), and once more, complete, when event time has passed the hour by the
lateness (so that fixes arriving within it still count there) or at the end of input; the
second is left out when the first already said it all. The store merges rows of one vessel,
zone and hour (earliest first time, latest last time), so sending the complete tally again
changes nothing the first row already put there, and the table equals a recount of the stored
positions whatever the batching.

A fix that comes later still, for an hour already closed, gives a row of its own, merged by
the store the same way. Rows of hours event time has not reached yet (only a suspect clock
gives those) are handed on at once rather than held for as long as that clock is wrong.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mda.model import ZoneHour

HOUR_S = 3600.0

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
# Rows of the tally, column by column: mmsi, zone (index into the zone ids), hour (number since
# the epoch), first time, last time, and the first and last time already handed on (NaN while
# the row has not been).
Columns = tuple[Ints, Ints, Ints, Floats, Floats, Floats, Floats]

_NO_INTS = np.zeros(0, dtype=np.int64)
_NO_FLOATS = np.zeros(0, dtype=np.float64)
_EMPTY: Columns = (_NO_INTS, _NO_INTS, _NO_INTS, _NO_FLOATS, _NO_FLOATS, _NO_FLOATS, _NO_FLOATS)


class ZoneHourTally:
    """Zone hours being counted; pure state of the pipeline (snapshotted with it)."""

    def __init__(self, zone_ids: list[str]) -> None:
        self.zone_ids = zone_ids
        self._held: Columns = _EMPTY
        self._added: list[Columns] = []  # fixes counted since the rows were last merged

    def add(self, mmsi: Ints, time: Floats, zones: Ints) -> None:
        """Fixes in zones (one entry per fix and zone it is in)."""
        if len(mmsi):
            hour = (time // HOUR_S).astype(np.int64)
            unsent = np.full(len(mmsi), np.nan)
            self._added.append((mmsi, zones, hour, time, time, unsent, unsent))

    def due(self, watermark: float, lateness_s: float) -> list[ZoneHour]:
        """The rows to hand on at the end of a step: those first seen in it (their hour still
        open), and, complete, those of hours event time (``watermark``) has passed by
        ``lateness_s`` or has not reached; the latter are no longer held."""
        mmsi, zone, hour, first, last, sent_first, sent_last = self._merged()
        start = hour * HOUR_S
        hold = (start <= watermark) & (watermark < start + HOUR_S + lateness_s)
        new = hold & np.isnan(sent_first)
        if hold.all() and not new.any():
            return []
        # NaN (never handed on) compares unequal: those go out too.
        out = (~hold & ((first != sent_first) | (last != sent_last))) | new
        rows = self._rows(mmsi[out], zone[out], hour[out], first[out], last[out])
        sent_first = np.where(new, first, sent_first)
        sent_last = np.where(new, last, sent_last)
        self._held = (mmsi[hold], zone[hold], hour[hold], first[hold], last[hold],
                      sent_first[hold], sent_last[hold])  # fmt: skip
        return rows

    def drain(self) -> list[ZoneHour]:
        """Every row not yet handed on as it now stands (end of input)."""
        mmsi, zone, hour, first, last, sent_first, sent_last = self._merged()
        out = (first != sent_first) | (last != sent_last)
        self._held = _EMPTY
        return self._rows(mmsi[out], zone[out], hour[out], first[out], last[out])

    def _merged(self) -> Columns:
        """The held rows with the fixes added since, one row per vessel, zone and hour, in
        that order."""
        if not self._added:
            return self._held
        parts = [self._held, *self._added]
        self._added = []
        mmsi, zone, hour, first, last, sent_first, sent_last = (
            np.concatenate(c) for c in zip(*parts, strict=True)
        )
        order = np.lexsort((hour, zone, mmsi))
        mmsi, zone, hour = mmsi[order], zone[order], hour[order]
        change = np.ones(len(order), dtype=bool)
        change[1:] = (mmsi[1:] != mmsi[:-1]) | (zone[1:] != zone[:-1]) | (hour[1:] != hour[:-1])
        starts = np.flatnonzero(change)
        # What was handed on belongs to the held row of the group, the only one not NaN:
        # fmin and fmax pass over NaN.
        self._held = (
            mmsi[starts], zone[starts], hour[starts],
            np.minimum.reduceat(first[order], starts), np.maximum.reduceat(last[order], starts),
            np.fmin.reduceat(sent_first[order], starts), np.fmax.reduceat(sent_last[order], starts),
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
