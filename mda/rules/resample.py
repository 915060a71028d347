"""Vessel positions resampled onto a regular time grid, the way Global Fishing Watch compares
vessels with each other.

Two vessels report at different moments, so their positions are compared at common times:
grid times every ``step_s`` counted from the epoch (GFW: 10 minutes, aligned to midnight). A
vessel's position at a grid time is interpolated linearly between the fixes either side of it,
when those are at most ``max_gap_s`` apart (GFW: under an hour); across a longer silence, and
before the first or after the last fix, it has none (no extrapolation: a dark vessel is not
assumed to carry on). Interpolation runs within one track segment only, so an MMSI shared by
two transmitters does not produce points between them.

Incremental: each vessel's last fix is kept, and every fix yields the grid points between the
fix before it and itself, so a grid point exists once the first fix after it has arrived. Each
point also carries the vessel's speed over ground implied by the previous grid point: over ten
minutes, GNSS jitter of a few metres is noise, not knots.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mda.geo import KNOT_MS, haversine_m
from mda.tracks import TrackBatch

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class GridPoints:
    """Resampled positions: vessel, grid slot (time = slot x step), place, implied speed (NaN
    when unknown) and whether both fixes it lies between were in the rule's scope."""

    mmsi: Ints
    slot: Ints
    lat: Floats
    lon: Floats
    speed_kn: Floats
    in_scope: Mask

    def __len__(self) -> int:
        return len(self.mmsi)

    def select(self, rows: npt.NDArray[np.bool_] | Ints) -> GridPoints:
        """The points of ``rows`` (a mask or indices)."""
        return GridPoints(self.mmsi[rows], self.slot[rows], self.lat[rows], self.lon[rows],
                          self.speed_kn[rows], self.in_scope[rows])  # fmt: skip

    @staticmethod
    def join(parts: Sequence[GridPoints]) -> GridPoints:
        """Several sets of points as one."""
        if len(parts) == 1:
            return parts[0]
        return GridPoints(
            np.concatenate([p.mmsi for p in parts]), np.concatenate([p.slot for p in parts]),
            np.concatenate([p.lat for p in parts]), np.concatenate([p.lon for p in parts]),
            np.concatenate([p.speed_kn for p in parts]),
            np.concatenate([p.in_scope for p in parts]),
        )  # fmt: skip


def _no_points() -> GridPoints:
    i = np.zeros(0, dtype=np.int64)
    f = np.zeros(0)
    return GridPoints(i, i, f, f, f, np.zeros(0, dtype=bool))


class _Last:
    """A vessel's last fix and last grid point."""

    __slots__ = ("grid_lat", "grid_lon", "grid_slot", "in_scope", "lat", "lon", "segment",
                 "time")  # fmt: skip

    def __init__(self) -> None:
        self.time = self.lat = self.lon = 0.0
        self.segment = -1
        self.in_scope = False
        self.grid_slot = -1  # none yet
        self.grid_lat = self.grid_lon = 0.0


class Resampler:
    """Turns each batch of fixes into the grid points it completes."""

    def __init__(self, step_s: float, max_gap_s: float) -> None:
        if step_s <= 0 or max_gap_s <= 0:
            raise ValueError("grid step and gap must be positive")
        self.step_s = step_s
        self.max_gap_s = max_gap_s
        self.last: dict[int, _Last] = {}

    def __len__(self) -> int:
        return len(self.last)

    def add(self, fx: TrackBatch, in_scope: Mask, keep: Mask | None = None) -> GridPoints:
        """Grid points between each vessel's previous fix and the fixes of this batch (late
        fixes, older than their segment's last one, are left out; so are fixes not in
        ``keep``, and a vessel none of whose fixes is kept is forgotten)."""
        usable = ~fx.late if keep is None else ~fx.late & keep
        if keep is not None and self.last:
            dropped = set(fx.mmsi[~keep].tolist()) - set(fx.mmsi[usable].tolist())
            for m in dropped:
                self.last.pop(m, None)
        rows = np.flatnonzero(usable)
        if not len(rows):
            return _no_points()
        mmsi, t = fx.mmsi[rows], fx.time[rows]
        lat, lon, seg, scope = fx.lat[rows], fx.lon[rows], fx.segment[rows], in_scope[rows]
        n = len(rows)
        first = np.r_[True, mmsi[1:] != mmsi[:-1]]
        starts = np.flatnonzero(first)
        p_t, p_lat, p_lon = _shifted(t), _shifted(lat), _shifted(lon)
        p_seg = np.r_[-1, seg[:-1]]
        p_scope = np.r_[False, scope[:-1]]
        self._fill_from_last(mmsi[starts].tolist(), starts, p_t, p_lat, p_lon, p_seg, p_scope)
        with np.errstate(invalid="ignore"):
            gap = t - p_t
            valid = np.isfinite(gap) & (gap > 0) & (gap <= self.max_gap_s) & (p_seg == seg)
        step = self.step_s
        before = np.floor(np.where(valid, p_t, 0.0) / step).astype(np.int64)
        count = np.where(valid, np.floor(t / step).astype(np.int64) - before, 0)
        points = self._interpolate(mmsi, t, lat, lon, scope, p_t, p_lat, p_lon, p_scope,
                                   before, count)  # fmt: skip
        self._remember(mmsi, t, lat, lon, seg, scope, starts, n, points)
        return points

    def _fill_from_last(
        self, vessels: list[int], starts: Ints, p_t: Floats, p_lat: Floats, p_lon: Floats,
        p_seg: Ints, p_scope: Mask,
    ) -> None:  # fmt: skip
        """The fix before each vessel's first of the batch: its last one held."""
        held = [self.last.get(m) for m in vessels]
        p_t[starts] = [np.nan if h is None else h.time for h in held]
        p_lat[starts] = [0.0 if h is None else h.lat for h in held]
        p_lon[starts] = [0.0 if h is None else h.lon for h in held]
        p_seg[starts] = [-1 if h is None else h.segment for h in held]
        p_scope[starts] = [h is not None and h.in_scope for h in held]

    def _interpolate(
        self, mmsi: Ints, t: Floats, lat: Floats, lon: Floats, scope: Mask, p_t: Floats,
        p_lat: Floats, p_lon: Floats, p_scope: Mask, before: Ints, count: Ints,
    ) -> GridPoints:  # fmt: skip
        total = int(count.sum())
        if not total:
            return _no_points()
        at = np.repeat(np.arange(len(t)), count)
        nth = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count) + 1
        slot = before[at] + nth
        frac = (slot * self.step_s - p_t[at]) / (t[at] - p_t[at])
        g_lat = p_lat[at] + frac * (lat[at] - p_lat[at])
        dlon = (lon[at] - p_lon[at] + 540.0) % 360.0 - 180.0  # the short way round
        g_lon = (p_lon[at] + frac * dlon + 540.0) % 360.0 - 180.0
        g_mmsi = mmsi[at]
        speed = self._speeds(g_mmsi, slot, g_lat, g_lon)
        return GridPoints(g_mmsi, slot, g_lat, g_lon, speed, scope[at] & p_scope[at])

    def _speeds(self, mmsi: Ints, slot: Ints, lat: Floats, lon: Floats) -> Floats:
        """Speed from each vessel's previous grid point (NaN across a gap)."""
        first = np.r_[True, mmsi[1:] != mmsi[:-1]]
        q_slot = np.r_[-1, slot[:-1]].astype(np.float64)
        q_lat, q_lon = _shifted(lat), _shifted(lon)
        starts = np.flatnonzero(first)
        held = [self.last.get(m) for m in mmsi[starts].tolist()]
        known = [h if h is not None and h.grid_slot >= 0 else None for h in held]
        q_slot[starts] = [np.nan if h is None else h.grid_slot for h in known]
        q_lat[starts] = [0.0 if h is None else h.grid_lat for h in known]
        q_lon[starts] = [0.0 if h is None else h.grid_lon for h in known]
        dt = (slot - q_slot) * self.step_s
        known = np.isfinite(dt) & (dt > 0) & (dt <= self.max_gap_s + self.step_s)
        speed = np.full(len(slot), np.nan)
        k = np.flatnonzero(known)
        speed[k] = haversine_m(q_lat[k], q_lon[k], lat[k], lon[k]) / dt[k] / KNOT_MS
        return speed

    def _remember(
        self, mmsi: Ints, t: Floats, lat: Floats, lon: Floats, seg: Ints, scope: Mask,
        starts: Ints, n: int, points: GridPoints,
    ) -> None:  # fmt: skip
        ends = np.r_[starts[1:], n] - 1
        rows = zip(mmsi[ends].tolist(), t[ends].tolist(), lat[ends].tolist(), lon[ends].tolist(),
                   seg[ends].tolist(), scope[ends].tolist(), strict=True)  # fmt: skip
        last = self.last
        for m, time, y, x, segment, in_scope in rows:
            held = last.get(m)
            if held is None:
                held = last[m] = _Last()
            held.time, held.lat, held.lon = time, y, x
            held.segment, held.in_scope = segment, in_scope
        if len(points):
            tail = np.flatnonzero(np.r_[points.mmsi[1:] != points.mmsi[:-1], True])
            pt = points
            grid = (pt.mmsi[tail].tolist(), pt.slot[tail].tolist(), pt.lat[tail].tolist(),
                    pt.lon[tail].tolist())  # fmt: skip
            for m, slot, y, x in zip(*grid, strict=True):
                held = last[m]
                held.grid_slot, held.grid_lat, held.grid_lon = slot, y, x

    def forget(self, mmsis: Iterable[int]) -> None:
        """Drop evicted vessels."""
        for m in mmsis:
            self.last.pop(m, None)

    def forget_older(self, horizon: float) -> None:
        """Drop vessels whose last fix is older than ``horizon``: no later fix can be
        interpolated with it any more."""
        for m in [m for m, held in self.last.items() if held.time < horizon]:
            del self.last[m]


def _shifted(values: Floats) -> Floats:
    """The previous element of each (NaN for the first)."""
    out = np.empty(len(values))
    out[0] = np.nan
    out[1:] = values[:-1]
    return out
