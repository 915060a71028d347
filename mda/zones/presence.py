"""Zone presence: vessels entering and leaving zones, and hours spent in each.

Each fix's set of zones gets a signature (the XOR of a fixed 64-bit code per zone), so the
fixes whose zones differ from the previous fix of the same vessel are found with one
vectorised comparison; only those few are looked at one by one.

Zone events follow a vessel's track: fixes that came too late to move it, or whose time is
suspect, make none. Zone hours count every stored fix, late and suspect ones included, so that
hourly traffic always equals a recount of the stored positions; they are tallied across
batches (``mda.zones.hours``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from hashlib import blake2b

import numpy as np
import numpy.typing as npt

from mda.model import Position, ZoneEvent
from mda.tracks import TrackBatch, Tracks
from mda.zones.hours import ZoneHourTally
from mda.zones.index import Membership

# Zone ids of each point, from longitudes and latitudes (``ZoneIndex.zone_sets``).
ZoneLocator = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], list[frozenset[str]]]
# A zone event as a row: time, mmsi, zone id, "enter" or "exit", lat, lon.
EventRow = tuple[datetime, int, str, str, float, float]


def events_along(
    mmsi: int, fixes: Sequence[tuple[datetime, float, float]], zones: Sequence[frozenset[str]],
    before: frozenset[str],
) -> list[EventRow]:  # fmt: skip
    """Zone events along a vessel's fixes in time order, starting from the zones ``before``:
    an entry or exit at the first fix inside or outside (what ``ZonePresence`` gives when the
    fixes come in order)."""
    out: list[EventRow] = []
    held = before
    for (time, lat, lon), now in zip(fixes, zones, strict=True):
        for zone in sorted(now - held):
            out.append((time, mmsi, zone, "enter", lat, lon))
        for zone in sorted(held - now):
            out.append((time, mmsi, zone, "exit", lat, lon))
        held = now
    return out


class ZonePresence:
    """Turns batches of located fixes into zone events, and counts them in zone hours."""

    def __init__(self, zone_ids: list[str]) -> None:
        self.zone_ids = zone_ids
        # A code per zone from its id: the same on every run and for any order of the zones.
        self.codes = np.array(
            [int.from_bytes(blake2b(z.encode(), digest_size=8).digest(), "big") | 1
             for z in zone_ids],
            dtype=np.uint64,
        )  # fmt: skip
        # Vessels in the same waters share one set object rather than a copy each.
        self._sets: dict[frozenset[int], frozenset[int]] = {}
        self.hours = ZoneHourTally(zone_ids)

    def update(self, fx: TrackBatch, membership: Membership, tracks: Tracks) -> list[ZoneEvent]:
        """Events of a batch, its fixes counted in the hours; updates each vessel's current
        zones."""
        if not len(fx):
            return []
        usable = np.flatnonzero(~fx.late)
        sig = np.zeros(len(fx), dtype=np.uint64)
        np.bitwise_xor.at(sig, membership.point, self.codes[membership.zone])
        self.hours.add(fx.mmsi[membership.point], fx.time[membership.point], membership.zone)
        return self._events(fx, membership, tracks, usable, sig)

    def count_hours_of(self, positions: list[Position], membership: Membership) -> None:
        """Count in the hours fixes that are in no track (suspect times), located by the
        caller."""
        mmsi = np.array([p.mmsi for p in positions], dtype=np.int64)
        time = np.array([p.time for p in positions], dtype=np.float64)
        self.hours.add(mmsi[membership.point], time[membership.point], membership.zone)

    def _events(
        self, fx: TrackBatch, membership: Membership, tracks: Tracks,
        usable: npt.NDArray[np.int64], sig: npt.NDArray[np.uint64],
    ) -> list[ZoneEvent]:  # fmt: skip
        mmsi = fx.mmsi[usable]
        s = sig[usable]
        first = np.ones(len(usable), dtype=bool)
        first[1:] = mmsi[1:] != mmsi[:-1]
        prev = np.empty_like(s)
        prev[1:] = s[:-1]
        starts = np.flatnonzero(first)
        vessels = tracks.vessels
        prev[starts] = [vessels[m].zone_sig for m in mmsi[starts].tolist()]
        changed = np.flatnonzero(s != prev)
        if not len(changed):
            return []
        events: list[ZoneEvent] = []
        point, zone = membership.point, membership.zone
        current: dict[int, frozenset[int]] = {}
        for k in changed.tolist():
            row = int(usable[k])
            m = int(mmsi[k])
            before = current.get(m)
            if before is None:
                before = vessels[m].zones
            lo, hi = np.searchsorted(point, [row, row + 1])
            now = frozenset(zone[lo:hi].tolist())
            now = self._sets.setdefault(now, now)
            t = float(fx.time[row])
            lat, lon = float(fx.lat[row]), float(fx.lon[row])
            for z in sorted(now - before):
                events.append(ZoneEvent(t, m, self.zone_ids[z], "enter", lat, lon))
            for z in sorted(before - now):
                events.append(ZoneEvent(t, m, self.zone_ids[z], "exit", lat, lon))
            current[m] = now
        # Vessels whose zones changed keep the zones (and signature) of their last fix: no
        # change follows the last changed fix, so its zones are the last fix's.
        ends = np.r_[starts[1:], len(usable)] - 1
        for m, k in zip(mmsi[ends].tolist(), ends.tolist(), strict=True):
            if m in current:
                state = vessels[m]
                state.zones = current[m]
                state.zone_sig = int(s[k])
        return events
