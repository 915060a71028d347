"""Loitering: a vessel whose mean speed stays under 2 knots for hours, away from port.

Global Fishing Watch's definition, kept: each segment's fixes are grouped into clock-time
buckets (an hour by default); a bucket is slow when its implied speed (distance over time
between fixes) is under ``max_speed_kn``; consecutive slow buckets form a loitering run, and a
run of ``min_hours`` or more is loitering. Implied speed, not reported speed, so a vessel
whose transponder reports nonsense speed is still judged by where it went. A bucket with a fix
in a port or anchorage (the rule's ``exclude_zones``), or outside the rule's zones, breaks
the run: vessels moored or anchored in port do not loiter. Where a coastline is loaded, the
run must also be at least ``min_distance_from_shore_nm`` offshore (GFW publishes 20 nm).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from mda.geo import NM
from mda.rules.base import (
    BatchView,
    Detection,
    admits,
    pruned_timers,
    vessel_label,
    zone_indices,
)
from mda.rules.settings import RuleSpec, detector_params
from mda.tracks import Tracks
from mda.zones.index import ZoneIndex

# Fixes of a bucket may still be arriving just after it ends (feeds are not in lockstep).
CLOSE_GRACE_S: float = 60.0


@dataclass(frozen=True, slots=True)
class LoiteringParams:
    """Thresholds (GFW: 2 kn, 2 h; carriers 4 h; 20 nm from shore)."""

    max_speed_kn: float = 2.0
    min_hours: float = 2.0
    bucket_minutes: float = 60.0
    min_distance_from_shore_nm: float = 20.0
    # A loitering vessel that falls silent this long is no longer known to loiter.
    silent_hours: float = 6.0


class _Run:
    """A vessel's open bucket and its current run of slow buckets."""

    __slots__ = ("active", "bucket", "bucket_ok", "dist_m", "hours", "last_lat", "last_lon",
                 "last_time", "order", "run_dist_m", "run_hours", "run_start")  # fmt: skip

    def __init__(self, bucket: int, order: int) -> None:
        self.order = order  # runs made before it: its place among the rule's runs
        self.bucket = bucket
        self.bucket_ok = True  # every fix of the bucket in scope
        self.dist_m = 0.0
        self.hours = 0.0
        self.run_start: float | None = None
        self.run_dist_m = 0.0
        self.run_hours = 0.0
        self.active = False
        self.last_time = 0.0
        self.last_lat = self.last_lon = 0.0


class LoiteringRule:
    """Detects loitering; one per rule table with ``detector = "loitering"``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.scope = spec.scope
        self.params = detector_params(LoiteringParams, spec)
        self.zones = zone_indices(index, self.scope.zones, spec.where)
        self.exclude = zone_indices(index, self.scope.exclude_zones, spec.where)
        self.index = index
        self.bucket_s = self.params.bucket_minutes * 60.0
        self.runs: dict[int, _Run] = {}
        self._made = 0  # runs made so far
        # (last time, MMSI) of every run as it was heard, oldest first; an entry whose run was
        # heard since (or forgotten) is dead and skipped. Finds the runs fallen silent without
        # a scan of every vessel at every tick (a flood holds hundreds of thousands).
        self._heard: list[tuple[float, int]] = []
        self._swept = 0  # buckets before this one have been closed for every vessel

    def observe(self, view: BatchView) -> list[Detection]:
        """Close the buckets the batch has moved past and judge the runs."""
        fx = view.fixes
        if not len(fx):
            return []
        in_scope = view.in_scope(self.zones, self.exclude)
        usable = ~fx.late
        starts, buckets = view.groups(self.bucket_s)
        dist = np.where(usable & np.isfinite(fx.dist_m), fx.dist_m, 0.0)
        hours = np.where(usable & np.isfinite(fx.dt_s), fx.dt_s, 0.0) / 3600.0
        dist_sums = np.add.reduceat(dist, starts).tolist()
        hour_sums = np.add.reduceat(hours, starts).tolist()
        # A group is in scope when none of its usable fixes is out of scope.
        out = np.add.reduceat((usable & ~in_scope).astype(np.int64), starts).tolist()
        touched = np.logical_or.reduceat(in_scope, starts).tolist()
        lasts = np.r_[starts[1:], len(fx)] - 1
        detections: list[Detection] = []
        runs = self.runs
        for m, bucket, dist_sum, hour_sum, outside, inside, t, lat, lon in zip(
            fx.mmsi[starts].tolist(), buckets.tolist(), dist_sums, hour_sums, out, touched,
            fx.time[lasts].tolist(), fx.lat[lasts].tolist(), fx.lon[lasts].tolist(),
            strict=True,
        ):  # fmt: skip
            run = runs.get(m)
            if run is None:
                if outside and not inside:
                    continue  # never in scope: no state for it
                run = runs[m] = _Run(bucket, self._made)
                self._made += 1
            elif bucket != run.bucket:
                if bucket < run.bucket:
                    continue  # a late bucket does not reopen the past
                found = self._close_bucket(m, run, view.tracks)
                if found is not None:
                    detections.append(found)
                run.bucket = bucket
                run.bucket_ok, run.dist_m, run.hours = True, 0.0, 0.0
            run.dist_m += dist_sum
            run.hours += hour_sum
            run.bucket_ok = run.bucket_ok and not outside
            run.last_time, run.last_lat, run.last_lon = t, lat, lon
            heapq.heappush(self._heard, (t, m))
        self._heard = pruned_timers(self._heard, self._live, len(runs))
        return detections

    def _live(self, last_time: float, m: int) -> bool:
        run = self.runs.get(m)
        return run is not None and run.last_time == last_time

    def _silent_before(self, horizon: float) -> list[int]:
        """The vessels whose run was last heard before ``horizon``, in the order of
        ``self.runs`` (the order their runs were made), as a scan of every run finds them."""
        heard, runs = self._heard, self.runs
        found: dict[int, None] = {}
        while heard and heard[0][0] < horizon:
            t, m = heapq.heappop(heard)
            if self._live(t, m):
                found[m] = None
        return sorted(found, key=lambda m: runs[m].order)

    def _close_bucket(self, m: int, run: _Run, tracks: Tracks) -> Detection | None:
        p = self.params
        state = tracks.vessels.get(m)
        slow = (
            run.bucket_ok
            and run.hours > 0
            and run.dist_m / NM / run.hours < p.max_speed_kn
            and state is not None
            and admits(self.scope, state)
        )
        if not slow:
            return self._end(m, run, run.last_time, "moving again or in port")
        if run.run_start is None:
            run.run_start = run.bucket * self.bucket_s
        run.run_dist_m += run.dist_m
        run.run_hours += run.hours
        if run.active or run.run_hours < p.min_hours or state is None:
            return None
        lat, lon = run.last_lat, run.last_lon
        shore_nm = self._shore_nm(lat, lon)
        if shore_nm is not None and shore_nm < p.min_distance_from_shore_nm:
            return None
        run.active = True
        mean = run.run_dist_m / NM / run.run_hours
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=None, time=run.last_time, active=True,
            severity=self.scope.severity, started=run.run_start,
            message=(
                f"{vessel_label(state)} apparently loitering: mean speed {mean:.1f} kn for "
                f"{run.run_hours:.1f} h"
            ),
            evidence={
                "duration_hours": round(run.run_hours, 2),
                "mean_speed_knots": round(mean, 2),
                "distance_nm": round(run.run_dist_m / NM, 2),
                "distance_from_shore_nm": None if shore_nm is None else round(shore_nm, 1),
                "max_speed_knots": p.max_speed_kn,
                "min_hours": p.min_hours,
            },
            lat=lat, lon=lon,
        )  # fmt: skip

    def _end(self, m: int, run: _Run, time: float, why: str) -> Detection | None:
        was_active, start = run.active, run.run_start
        run.run_start, run.run_dist_m, run.run_hours, run.active = None, 0.0, 0.0, False
        if not was_active or start is None:
            return None
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=None, time=time, active=False,
            severity=self.scope.severity, started=start, message=f"loitering ended: {why}",
        )  # fmt: skip

    def _shore_nm(self, lat: float, lon: float) -> float | None:
        # No coastline loaded: distance unknown, which is not a reason to stay silent.
        d = self.index.shore_distance_m(lon, lat)
        return None if d is None else d / NM

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """Close every vessel's bucket once event time has left it (so a run is judged when
        its hour ends, not at the vessel's next fix); forget vessels that fell silent."""
        out = []
        current = int((watermark - CLOSE_GRACE_S) // self.bucket_s)
        if current > self._swept:
            self._swept = current
            for m, run in self.runs.items():
                if run.bucket < current:
                    found = self._close_bucket(m, run, tracks)
                    if found is not None:
                        out.append(found)
                    run.bucket, run.bucket_ok, run.dist_m, run.hours = current, True, 0.0, 0.0
        horizon = watermark - self.params.silent_hours * 3600.0
        for m in self._silent_before(horizon):
            found = self._end(m, self.runs.pop(m), watermark, "no position since")
            if found is not None:
                out.append(found)
        return out

    def forget(self, mmsis: Iterable[int]) -> None:
        """Drop evicted vessels."""
        for m in mmsis:
            self.runs.pop(m, None)
        self._heard = pruned_timers(self._heard, self._live, len(self.runs))
