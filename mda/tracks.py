"""Vessel state: each MMSI's segments, last fixes, implied speed, and what rules accumulate.

A batch of positions is handled as arrays. Sorted by vessel and time, every fix gets the
distance and time from the fix before it (in the batch, or the vessel's last fix) in one
vectorised pass, and so its implied speed. A fix that would need more than ``max_knots``
(25 kn, Global Fishing Watch's segmenter; allowed discrepancy sqrt(h^2 + 0.25^2) x 25 nm, so
GNSS jitter over seconds is not a jump) does not continue its segment: those vessels go through
a per-fix matcher that assigns each fix to the segment it fits best or opens a new one. Two
transmitters sharing one MMSI become two segments, not a zig-zag. A segment silent for more than
``max_gap_s`` (24 h, GFW's ``max_hours``) is closed: after such a silence nothing says where
the vessel went, so the next fix opens a new segment (a resumption, not a jump).

Each vessel's state (``mda.vessel_state``) is kept small: the last fix of each segment, the
last static data, a few running figures the rules need, and the zones the vessel is in. Changes
of name, call sign and IMO number are noted as static reports merge, for the identity rules.
Stale vessels are evicted by event time; past ``max_vessels`` those with the oldest last report
are evicted too (ties by MMSI), so the state is bounded whatever the input.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from mda.geo import KNOT_MS, distance_m, haversine_m
from mda.model import Position, VesselStatic
from mda.vessel_state import SPEED_HOUR_S, IdentityChange, Segment, VesselState, identity_text

MAX_SEGMENTS: Final = 3

# Vessels held at most. A busy regional picture holds tens of thousands and a global satellite
# feed a few hundred thousand within the 48 h of staleness; a flood of made-up numbers must not
# grow the state (about 1 kB a vessel with the rules' share) without end.
DEFAULT_MAX_VESSELS: Final = 300_000

# Identity changes noted for the rules (they read them by sequence number): a few thousand
# cover any batch; changes are rare.
IDENTITY_CHANGES_KEPT: Final = 4096

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

__all__ = ["IdentityChange", "TrackBatch", "Tracks", "VesselState", "identity_text"]


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
    # Opened a new segment although another segment of the vessel was alive (heard within
    # ``max_gap_s``): the fix is where no plausible speed could have taken that segment.
    jumped: npt.NDArray[np.bool_]
    # For a jumped fix, metres and seconds from the vessel's fix before it (NaN otherwise).
    jump_m: Floats
    jump_s: Floats
    # Signed change of reported course and of heading since the segment's previous fix,
    # degrees in (-180, 180], NaN when either is unknown: how a vessel turns (and whether
    # its bow turns with its course) without keeping its history.
    course_turn: Floats
    heading_turn: Floats

    def __len__(self) -> int:
        return len(self.row)


def allowed_m(dt_s: Floats, max_knots: float) -> Floats:
    """Largest plausible distance for a time difference (GFW's segmenter discrepancy)."""
    hours = np.abs(dt_s) / 3600.0
    result: Floats = np.sqrt(hours**2 + 0.25**2) * max_knots * 1852.0
    return result


def signed_turn(before: Floats, after: Floats) -> Floats:
    """Signed change of an angle in degrees, in (-180, 180] (NaN where either is NaN)."""
    result: Floats = 180.0 - np.mod(180.0 - (after - before), 360.0)
    return result


@dataclass(slots=True)
class _PerFix:
    """What the matcher fills in per fix (arrays in batch order)."""

    segment: Ints
    dist: Floats
    dt: Floats
    late: npt.NDArray[np.bool_]
    jumped: npt.NDArray[np.bool_]
    jump_m: Floats
    jump_s: Floats
    prev_cog: Floats
    prev_heading: Floats


def _none_to_nan(values: Sequence[float | int | None]) -> Floats:
    objects = np.array(values, dtype=object)
    objects[objects == None] = np.nan  # noqa: E711 - elementwise
    result: Floats = objects.astype(np.float64)
    return result


class Tracks:
    """Vessel states, updated a batch at a time; pure and deterministic."""

    def __init__(self, max_knots: float = 25.0, stale_after_s: float = 48 * 3600.0,
                 max_gap_s: float = 24 * 3600.0,
                 max_vessels: int = DEFAULT_MAX_VESSELS) -> None:  # fmt: skip
        if max_vessels < 1:
            raise ValueError(f"max_vessels must be at least 1, not {max_vessels}")
        self.max_knots = max_knots
        self.stale_after_s = stale_after_s
        self.max_gap_s = max_gap_s
        self.max_vessels = max_vessels
        self.vessels: dict[int, VesselState] = {}
        self.evicted = 0  # vessels forgotten because ``max_vessels`` were held
        self.jumps = 0  # fixes that opened a new segment while another was alive
        # Recent identity changes; ``identity_seq`` counts every change ever noted, so the
        # last one held is number ``identity_seq - 1``.
        self.identity_changes: deque[IdentityChange] = deque(maxlen=IDENTITY_CHANGES_KEPT)
        self.identity_seq = 0

    def vessel(self, mmsi: int) -> VesselState:
        """The state of a vessel, created on first sight."""
        state = self.vessels.get(mmsi)
        if state is None:
            state = self.vessels[mmsi] = VesselState(mmsi)
        return state

    def apply_statics(self, statics: Sequence[VesselStatic]) -> None:
        """Merge a batch's static reports into the vessels' states, noting identity changes."""
        for s in statics:
            state = self.vessel(s.mmsi)
            if s.time is not None and s.time > state.last_seen:
                # Heard: a vessel known only from its static report is not stale at once.
                state.last_seen = s.time
            for change in state.apply_static(s):
                self.identity_changes.append(change)
                self.identity_seq += 1

    def identity_changes_since(self, seq: int) -> list[IdentityChange]:
        """Identity changes numbered ``seq`` and after (those still held), oldest first."""
        held = self.identity_changes
        skip = max(0, seq - (self.identity_seq - len(held)))
        return list(held)[skip:] if skip < len(held) else []

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
        prev_cog = np.full(n, np.nan)
        prev_heading = np.full(n, np.nan)
        prev_cog[1:], prev_heading[1:] = cog[:-1], heading[:-1]
        segment = np.zeros(n, dtype=np.int64)
        known = np.zeros(n, dtype=bool)
        known[~first] = True
        vessels = self.vessels
        vessel_mmsi = mmsi[starts].tolist()
        states = [vessels.get(m) for m in vessel_mmsi]
        currents = [None if state is None else state.current for state in states]
        continued = np.array([c is not None for c in currents], dtype=bool)
        held = [c for c in currents if c is not None]
        at = starts[continued]
        prev_lat[at] = [c.lat for c in held]
        prev_lon[at] = [c.lon for c in held]
        prev_time[at] = [c.time for c in held]
        prev_cog[starts] = prev_heading[starts] = np.nan
        prev_cog[at] = _none_to_nan([c.cog for c in held])
        prev_heading[at] = _none_to_nan([c.heading for c in held])
        segment[at] = [c.id for c in held]
        known[at] = True
        dist = np.where(known, haversine_m(prev_lat, prev_lon, lat, lon), np.nan)
        dt = np.where(known, time - prev_time, np.nan)
        jump = known & (dist > allowed_m(np.nan_to_num(dt), self.max_knots))
        jump |= known & (dt > self.max_gap_s)  # the segment has closed: match afresh
        no = np.zeros(n, dtype=bool)
        per_fix = _PerFix(segment, dist, dt, no, no.copy(), np.full(n, np.nan),
                          np.full(n, np.nan), prev_cog, prev_heading)  # fmt: skip
        ends = np.r_[starts[1:], n]
        counts = ends - starts
        # Vessels with a jump, or a first fix older than their segment's last, are matched fix
        # by fix; the others continue one segment (or open their first).
        matched = np.logical_or.reduceat(jump, starts) | (known[starts] & (dt[starts] < 0))
        ids: list[int] = []  # the segment of each vessel not matched fix by fix, in order
        for m, s, e, k, last_row, t0, t1, rematch in zip(
            vessel_mmsi, starts.tolist(), ends.tolist(), counts.tolist(),
            order[ends - 1].tolist(), time[starts].tolist(), time[ends - 1].tolist(),
            matched.tolist(), strict=True,
        ):  # fmt: skip
            if rematch:
                self._match(m, fixes, order, s, e, per_fix)
                continue
            state = self.vessel(m)
            last = fixes[last_row]
            current = state.current
            if current is None:
                current = state.current = Segment(state.segment_id(t0), last)
                current.fixes = k
                state.segments.append(current)
            else:
                current.advance(last)
                current.fixes += k - 1
            ids.append(current.id)
            state.last_seen = max(state.last_seen, t1)
            state.add_trail_point(current.time, current.lat, current.lon)
        # Every fix of a continuing vessel is on its one segment.
        segment[np.repeat(~matched, counts)] = np.repeat(ids, counts[~matched])
        late = per_fix.late
        self._add_speeds(mmsi, time, sog, first, late)
        with np.errstate(divide="ignore", invalid="ignore"):
            implied = np.where(dt > 0, dist / dt / KNOT_MS, np.nan)
        return TrackBatch(
            row, mmsi, time, lat, lon, sog, cog, heading, nav_status, msg_type, dist, dt,
            implied, segment, first, late, per_fix.jumped, per_fix.jump_m, per_fix.jump_s,
            signed_turn(per_fix.prev_cog, cog), signed_turn(per_fix.prev_heading, heading),
        )  # fmt: skip

    def _match(
        self,
        m: int,
        fixes: list[Position],
        order: Ints,
        start: int,
        end: int,
        out: _PerFix,
    ) -> None:
        """Assign each fix of one vessel to the segment it fits best (per fix, rare)."""
        segment, dist, dt, late = out.segment, out.dist, out.dt, out.late
        state = self.vessel(m)
        max_gap = self.max_gap_s
        for k in range(start, end):
            p = fixes[order[k]]
            assert p.time is not None
            assert p.lat is not None
            assert p.lon is not None
            best: Segment | None = None
            best_score = math.inf
            for seg in state.segments:
                gap = p.time - seg.time
                if gap < 0 or gap > max_gap:
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
                    dist[k] = dt[k] = out.prev_cog[k] = out.prev_heading[k] = np.nan
                    continue
                best = Segment(state.segment_id(p.time), p)
                # Closed segments can never be continued: forget them.
                alive = [s for s in state.segments if p.time - s.time <= max_gap]
                if len(alive) >= MAX_SEGMENTS:
                    alive.remove(min(alive, key=lambda s: s.time))
                if alive:
                    self.jumps += 1
                    out.jumped[k] = True
                    before = state.current
                    if before is not None:
                        out.jump_m[k] = distance_m(before.lat, before.lon, p.lat, p.lon)
                        out.jump_s[k] = p.time - before.time
                state.segments = [*alive, best]
                dist[k] = dt[k] = out.prev_cog[k] = out.prev_heading[k] = np.nan
            else:
                out.prev_cog[k] = np.nan if best.cog is None else best.cog
                out.prev_heading[k] = np.nan if best.heading is None else best.heading
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

    def evict_over_cap(self) -> list[int]:
        """Past ``max_vessels``, forget the vessels with the oldest last report (ties: lower
        MMSI first); returns their MMSIs. Event time only, so a replay evicts the same ones.

        A little more than the excess goes (1/64 of the cap): a flood of new numbers then
        pays for the ranking of every vessel once per many slices, not at every slice."""
        held = len(self.vessels)
        if held <= self.max_vessels:
            return []
        count = min(held, held - self.max_vessels + self.max_vessels // 64)
        mmsi = np.fromiter(self.vessels, dtype=np.int64, count=held)
        seen = np.fromiter((v.last_seen for v in self.vessels.values()), dtype=np.float64,
                           count=held)  # fmt: skip
        oldest = np.lexsort((mmsi, seen))[:count]
        gone: list[int] = mmsi[oldest].tolist()
        for m in gone:
            del self.vessels[m]
        self.evicted += len(gone)
        return gone


def _empty() -> TrackBatch:
    f = np.zeros(0)
    i = np.zeros(0, dtype=np.int64)
    b = np.zeros(0, dtype=bool)
    return TrackBatch(i, i, f, f, f, f, f, f, i, i, f, f, f, i, b, b, b, f, f, f, f)
