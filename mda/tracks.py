"""Vessel state: each MMSI's segments, last fixes, implied speed, and what rules accumulate.

A batch of positions is handled as arrays. Sorted by vessel and time, every fix gets the
distance and time from the fix before it (in the batch, or the vessel's last fix) in one
vectorised pass, and so its implied speed. A fix that would need more than ``max_knots``
(25 kn, Global Fishing Watch's segmenter; allowed discrepancy sqrt(h^2 + 0.25^2) x 25 nm, so
GNSS jitter over seconds is not a jump) does not continue its segment: those vessels go through
a per-fix matcher that assigns each fix to the segment it fits best or opens a new one. Two
transmitters sharing one MMSI become two segments, not a zig-zag.

State is kept small (no history list per vessel): the last fix of each segment, the last static
data, a few running figures the rules need, and the zones the vessel is in. Stale vessels are
evicted by event time.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from mda.geo import EARTH_RADIUS_M, KNOT_MS, distance_m
from mda.ingest.flags import flag_of
from mda.model import Position, VesselStatic

MAX_SEGMENTS: Final = 3
# The recent track kept for alerts: a point every TRAIL_SPACING_S, the last TRAIL_POINTS.
TRAIL_POINTS: Final = 8
TRAIL_SPACING_S: Final = 450.0
# Reported speed is summarised per clock hour; the last few hourly means are a vessel's
# "usual" speed that a sudden loss of speed is measured against.
SPEED_HOUR_S: Final = 3600.0
SPEED_HOURS_KEPT: Final = 3

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


class Segment:
    """One continuous track of a vessel: its last fix and running figures."""

    __slots__ = ("cog", "fixes", "heading", "id", "lat", "lon", "sog", "time")

    def __init__(self, seg_id: int, p: Position) -> None:
        self.id = seg_id
        self.time: float = p.time or 0.0
        self.lat: float = p.lat or 0.0
        self.lon: float = p.lon or 0.0
        self.sog = p.sog
        self.cog = p.cog
        self.heading = p.heading
        self.fixes = 1

    def advance(self, p: Position) -> None:
        """Make ``p`` this segment's last fix."""
        self.time = p.time or self.time
        self.lat = p.lat if p.lat is not None else self.lat
        self.lon = p.lon if p.lon is not None else self.lon
        self.sog = p.sog
        self.cog = p.cog
        self.heading = p.heading
        self.fixes += 1


class VesselState:
    """All mda knows about one MMSI now."""

    __slots__ = (
        "callsign", "current", "destination", "hour", "hour_sog_n", "hour_sog_sum",
        "hourly_kn", "imo", "last_seen", "length_m", "mmsi", "next_segment", "segments",
        "ship_type", "shipname", "trail", "zone_sig", "zones",
    )  # fmt: skip

    def __init__(self, mmsi: int) -> None:
        self.mmsi = mmsi
        self.segments: list[Segment] = []
        self.current: Segment | None = None  # the segment of the latest fix
        self.next_segment = 0
        self.last_seen = 0.0
        self.shipname: str | None = None
        self.callsign: str | None = None
        self.imo: int | None = None
        self.ship_type: int | None = None
        self.length_m: int | None = None
        self.destination: str | None = None
        self.zones: frozenset[int] = frozenset()  # indexes of the zones of the latest fix
        self.zone_sig = 0  # their signature (see the pipeline's zone tracking)
        self.trail = array("d")  # time, lat, lon of recent points, oldest first
        self.hour = -1  # clock hour being summarised
        self.hour_sog_sum = 0.0
        self.hour_sog_n = 0
        self.hourly_kn: tuple[float, ...] = ()  # means of the last complete hours, latest last

    @property
    def flag(self) -> str | None:
        """Flag state (ISO alpha-2) from the MMSI's MID."""
        return flag_of(self.mmsi)

    def usual_speed_kn(self) -> float | None:
        """The vessel's usual speed: the highest hourly mean of the last few hours."""
        return max(self.hourly_kn) if self.hourly_kn else None

    def recent_track(self) -> list[tuple[float, float, float]]:
        """(time, lat, lon) of recent points, oldest first."""
        t = self.trail
        return [(t[i], t[i + 1], t[i + 2]) for i in range(0, len(t), 3)]

    def add_trail_point(self, time: float, lat: float, lon: float) -> None:
        """Keep a point of the recent track if far enough in time from the last one."""
        t = self.trail
        if t and time - t[-3] < TRAIL_SPACING_S:
            return
        if len(t) >= 3 * TRAIL_POINTS:
            del t[:3]
        t.extend((time, lat, lon))

    def add_speed(self, hour: int, sog_sum: float, count: int) -> None:
        """Add reported speeds of one clock hour (hours arrive in order; older ones are late
        and ignored)."""
        if hour < self.hour:
            return
        if hour != self.hour:
            if self.hour_sog_n:
                mean = self.hour_sog_sum / self.hour_sog_n
                self.hourly_kn = (*self.hourly_kn[1 - SPEED_HOURS_KEPT :], mean)
            self.hour, self.hour_sog_sum, self.hour_sog_n = hour, 0.0, 0
        self.hour_sog_sum += sog_sum
        self.hour_sog_n += count

    def apply_static(self, s: VesselStatic) -> None:
        """Merge static data (partial reports keep the other fields)."""
        if s.shipname is not None:
            self.shipname = s.shipname
        if s.callsign is not None:
            self.callsign = s.callsign
        if s.imo is not None:
            self.imo = s.imo
        if s.ship_type is not None:
            self.ship_type = s.ship_type
        if s.to_bow is not None and s.to_stern is not None:
            self.length_m = s.to_bow + s.to_stern
        if s.destination is not None:
            self.destination = s.destination


@dataclass(slots=True)
class TrackBatch:
    """The batch's positions with a fix, as arrays in vessel-then-time order.

    ``row`` maps back to the batch's list of positions. ``dist_m``, ``dt_s`` and
    ``implied_kn`` are from the previous fix of the same segment (NaN for a segment's first
    fix); ``segment`` is the id of the segment each fix belongs to; ``first_of_vessel`` marks
    each vessel's first row (rows of one vessel are contiguous).
    """

    row: Ints
    mmsi: Ints
    time: Floats
    lat: Floats
    lon: Floats
    sog: Floats  # NaN when not available
    cog: Floats
    heading: Floats
    nav_status: Ints  # -1 when not available
    msg_type: Ints
    dist_m: Floats
    dt_s: Floats
    implied_kn: Floats
    segment: Ints
    first_of_vessel: npt.NDArray[np.bool_]
    late: npt.NDArray[np.bool_]  # older than its segment's last fix: not used for state

    def __len__(self) -> int:
        return len(self.row)


def haversine_m(lat1: Floats, lon1: Floats, lat2: Floats, lon2: Floats) -> Floats:
    """Great-circle distances in metres, elementwise."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    result: Floats = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return result


def allowed_m(dt_s: Floats, max_knots: float) -> Floats:
    """Largest plausible distance for a time difference (GFW's segmenter discrepancy)."""
    hours = np.abs(dt_s) / 3600.0
    result: Floats = np.sqrt(hours**2 + 0.25**2) * max_knots * 1852.0
    return result


def _none_to_nan(values: Sequence[float | int | None]) -> Floats:
    objects = np.array(values, dtype=object)
    objects[objects == None] = np.nan  # noqa: E711 - elementwise
    result: Floats = objects.astype(np.float64)
    return result


class Tracks:
    """Vessel states, updated a batch at a time; pure and deterministic."""

    def __init__(self, max_knots: float = 25.0, stale_after_s: float = 48 * 3600.0) -> None:
        self.max_knots = max_knots
        self.stale_after_s = stale_after_s
        self.vessels: dict[int, VesselState] = {}
        self.jumps = 0  # fixes that opened a new segment

    def vessel(self, mmsi: int) -> VesselState:
        """The state of a vessel, created on first sight."""
        state = self.vessels.get(mmsi)
        if state is None:
            state = self.vessels[mmsi] = VesselState(mmsi)
        return state

    def apply_statics(self, statics: Sequence[VesselStatic]) -> None:
        """Merge a batch's static reports into the vessels' states."""
        for s in statics:
            self.vessel(s.mmsi).apply_static(s)

    def update(self, positions: Sequence[Position]) -> TrackBatch:
        """Advance the vessels of a batch; returns the batch's fixes as arrays."""
        rows = [i for i, p in enumerate(positions) if p.time is not None and p.lat is not None]
        if not rows:
            return _empty()
        fixes = [positions[i] for i in rows]
        columns = list(zip(*fixes, strict=True))
        mmsi = np.array(columns[1], dtype=np.int64)
        time = np.array(columns[0], dtype=np.float64)
        order = np.lexsort((time, mmsi))
        mmsi, time = mmsi[order], time[order]
        row = np.array(rows, dtype=np.int64)[order]
        lat = np.array(columns[3], dtype=np.float64)[order]
        lon = np.array(columns[4], dtype=np.float64)[order]
        sog = _none_to_nan(columns[5])[order]
        cog = _none_to_nan(columns[6])[order]
        heading = _none_to_nan(columns[7])[order]
        nav = _none_to_nan(columns[8])[order]
        nav_status = np.where(np.isnan(nav), -1, nav).astype(np.int64)
        msg_type = np.array(columns[2], dtype=np.int64)[order]
        n = len(mmsi)
        first = np.ones(n, dtype=bool)
        first[1:] = mmsi[1:] != mmsi[:-1]
        starts = np.flatnonzero(first)

        # The fix before each one: the previous row of the same vessel, or the vessel's
        # current segment's last fix for a vessel's first row in the batch.
        prev_lat = np.empty(n)
        prev_lon = np.empty(n)
        prev_time = np.empty(n)
        prev_lat[1:], prev_lon[1:], prev_time[1:] = lat[:-1], lon[:-1], time[:-1]
        segment = np.zeros(n, dtype=np.int64)
        known = np.zeros(n, dtype=bool)
        known[~first] = True
        vessels = self.vessels
        for s in starts.tolist():
            state = vessels.get(int(mmsi[s]))
            current = state.current if state is not None else None
            if current is not None:
                prev_lat[s], prev_lon[s], prev_time[s] = current.lat, current.lon, current.time
                segment[s] = current.id
                known[s] = True
        dist = np.where(known, haversine_m(prev_lat, prev_lon, lat, lon), np.nan)
        dt = np.where(known, time - prev_time, np.nan)
        jump = known & (dist > allowed_m(np.nan_to_num(dt), self.max_knots))
        late = np.zeros(n, dtype=bool)
        # Vessels whose fixes all continue one segment: fill segment ids forward.
        ends = np.r_[starts[1:], n]
        jumping = set(mmsi[jump].tolist())
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            m = int(mmsi[s])
            if m in jumping or (known[s] and dt[s] < 0):
                self._match(m, fixes, order, s, e, segment, dist, dt, late)
                continue
            state = self.vessel(m)
            last = fixes[order[e - 1]]
            if state.current is None:
                seg = Segment(state.next_segment, last)
                state.next_segment += 1
                state.segments.append(seg)
                state.current = seg
            else:
                state.current.advance(last)
                state.current.fixes += e - s - 1
            segment[s:e] = state.current.id
            state.last_seen = max(state.last_seen, float(time[e - 1]))
            state.add_trail_point(state.current.time, state.current.lat, state.current.lon)
        self._add_speeds(mmsi, time, sog, first, late)
        with np.errstate(divide="ignore", invalid="ignore"):
            implied = np.where(dt > 0, dist / dt / KNOT_MS, np.nan)
        return TrackBatch(
            row, mmsi, time, lat, lon, sog, cog, heading, nav_status, msg_type, dist, dt,
            implied, segment, first, late,
        )  # fmt: skip

    def _match(
        self,
        m: int,
        fixes: list[Position],
        order: Ints,
        start: int,
        end: int,
        segment: Ints,
        dist: Floats,
        dt: Floats,
        late: npt.NDArray[np.bool_],
    ) -> None:
        """Assign each fix of one vessel to the segment it fits best (per fix, rare)."""
        state = self.vessel(m)
        for k in range(start, end):
            p = fixes[order[k]]
            assert p.time is not None
            assert p.lat is not None
            assert p.lon is not None
            best: Segment | None = None
            best_score = math.inf
            for seg in state.segments:
                gap = p.time - seg.time
                if gap < 0:
                    continue
                d = distance_m(seg.lat, seg.lon, p.lat, p.lon)
                limit = math.hypot(gap / 3600.0, 0.25) * self.max_knots * 1852.0
                if d <= limit and d / limit < best_score:
                    best, best_score = seg, d / limit
                    dist[k], dt[k] = d, gap
            if best is None:
                if state.current is not None and p.time < state.current.time:
                    # Older than the segment it would belong to: a late fix. It is stored,
                    # but does not move the vessel back in time.
                    late[k] = True
                    segment[k] = state.current.id
                    dist[k] = dt[k] = np.nan
                    continue
                best = Segment(state.next_segment, p)
                state.next_segment += 1
                if len(state.segments) >= MAX_SEGMENTS:
                    state.segments.remove(min(state.segments, key=lambda s: s.time))
                state.segments.append(best)
                dist[k] = dt[k] = np.nan
                if state.current is not None:
                    self.jumps += 1
            else:
                best.advance(p)
            state.current = best
            segment[k] = best.id
            state.last_seen = max(state.last_seen, p.time)
            state.add_trail_point(p.time, best.lat, best.lon)

    def _add_speeds(
        self, mmsi: Ints, time: Floats, sog: Floats, first: npt.NDArray[np.bool_],
        late: npt.NDArray[np.bool_],
    ) -> None:  # fmt: skip
        """Sum reported speeds per vessel and clock hour (one call per vessel-hour)."""
        hour = (time // SPEED_HOUR_S).astype(np.int64)
        starts = np.flatnonzero(first | np.r_[True, hour[1:] != hour[:-1]])
        valid = ~late & np.isfinite(sog)
        sums = np.add.reduceat(np.where(valid, sog, 0.0), starts).tolist()
        counts = np.add.reduceat(valid.astype(np.int64), starts).tolist()
        vessels = self.vessels
        for m, h, total, count in zip(
            mmsi[starts].tolist(), hour[starts].tolist(), sums, counts, strict=True
        ):
            if count:
                vessels[m].add_speed(h, total, count)

    def evict(self, now: float) -> list[int]:
        """Forget vessels not seen for ``stale_after_s`` of event time; returns their MMSIs."""
        horizon = now - self.stale_after_s
        stale = [m for m, v in self.vessels.items() if v.last_seen < horizon]
        for m in stale:
            del self.vessels[m]
        return stale


def _empty() -> TrackBatch:
    f = np.zeros(0)
    i = np.zeros(0, dtype=np.int64)
    b = np.zeros(0, dtype=bool)
    return TrackBatch(i, i, f, f, f, f, f, f, i, i, f, f, f, i, b, b)
