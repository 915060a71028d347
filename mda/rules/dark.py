"""Going dark: a vessel last seen in a watched zone that stays silent too long.

Silence is measured in event time: a timer per vessel fires when the watermark passes its last
fix plus ``gap_hours`` (GFW opens a gap at 6 h). At ``disabling_gap_hours`` (12 h) a vessel
that went silent at least ``disabling_min_shore_nm`` (50 nm) from shore is reported as a
"possible intentional disabling" (GFW: shorter gaps and gaps near shore are mostly reception).
Distance from shore is known only where a coastline is loaded; without one the alert says so
and stays at the first tier.

Only vessels with an established track count (``min_fixes`` over ``min_tracked_minutes``): a
ship heard once at the edge of a receiver's range has not gone dark. When the vessel is heard
again the alert clears with the gap, the distance and the implied speed across it. A late fix
inside the gap that leaves less than the threshold of silence disproves the alert, which is
retracted.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from mda.geo import NM, distance_m
from mda.rules.base import (
    LATE_S,
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


@dataclass(frozen=True, slots=True)
class DarkParams:
    """Thresholds (GFW gaps: 6 h; likely disabling: 12 h, 50 nm from shore)."""

    gap_hours: float = 6.0
    disabling_gap_hours: float = 12.0
    disabling_min_shore_nm: float = 50.0
    min_fixes: int = 10
    min_tracked_minutes: float = 30.0


class _Watch:
    """A vessel's last fix in a watched zone."""

    __slots__ = ("dark", "escalated", "first", "fixes", "lat", "lon", "time", "timer", "zone")

    def __init__(self, time: float, lat: float, lon: float, zone: int, first: float) -> None:
        self.time, self.lat, self.lon, self.zone = time, lat, lon, zone
        self.first = first  # first fix of the current watch (for the established-track test)
        self.fixes = 0
        self.dark = False
        self.escalated = False
        self.timer = False  # a deadline for it is in the heap


class GoingDarkRule:
    """Detects AIS gaps; ``detector = "going_dark"``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.scope = spec.scope
        self.params = detector_params(DarkParams, spec)
        self.zones = zone_indices(index, self.scope.zones, spec.where)
        self.exclude = zone_indices(index, self.scope.exclude_zones, spec.where)
        self.index = index
        self.watch: dict[int, _Watch] = {}
        self._timers: list[tuple[float, int]] = []  # (deadline, mmsi), stale entries skipped

    def observe(self, view: BatchView) -> list[Detection]:
        """Note each vessel's latest fix; a dark vessel heard again ends its gap."""
        fx = view.fixes
        detections: list[Detection] = []
        if not len(fx):
            return detections
        gap_s = self.params.gap_hours * 3600.0
        # Per vessel, as arrays: its first and last fixes that are not late, their count.
        starts = np.flatnonzero(fx.first_of_vessel)
        rows = np.arange(len(fx))
        firsts = np.minimum.reduceat(np.where(fx.late, len(fx), rows), starts)
        lasts = np.maximum.reduceat(np.where(fx.late, -1, rows), starts)
        counts = np.add.reduceat((~fx.late).astype(np.int64), starts)
        heard = counts > 0
        starts, firsts, lasts, counts = starts[heard], firsts[heard], lasts[heard], counts[heard]
        watched = view.in_scope(self.zones, self.exclude)[lasts]
        zones = view.first_zone(self.zones)[lasts]
        for m, s, first, n, t, lat, lon, zone, inside in zip(
            fx.mmsi[starts].tolist(), fx.time[starts].tolist(), firsts.tolist(), counts.tolist(),
            fx.time[lasts].tolist(), fx.lat[lasts].tolist(), fx.lon[lasts].tolist(),
            zones.tolist(), watched.tolist(), strict=True,
        ):  # fmt: skip
            w = self.watch.get(m)
            if w is not None and w.dark:
                t_first = float(fx.time[first])
                if t_first < view.watermark - LATE_S:
                    found = self._late(m, w, t_first, view.watermark)
                    if found is not None:
                        detections.append(found)
                    if w.dark:
                        continue  # still silent long enough: the alert stands
                else:
                    detections.append(self._heard_again(m, w, view, first))
                w = None
            if not inside:
                self.watch.pop(m, None)
                continue
            if w is None:
                w = self.watch[m] = _Watch(t, lat, lon, zone, s)
            w.time, w.lat, w.lon, w.zone = t, lat, lon, zone
            w.fixes += n
            if not w.timer:
                # One deadline per vessel: when it comes, a later fix moves it on (lazily,
                # rather than a heap entry per batch).
                w.timer = True
                heapq.heappush(self._timers, (t + gap_s, m))
        return detections

    def _heard_again(self, m: int, w: _Watch, view: BatchView, row: int) -> Detection:
        fx = view.fixes
        t = float(fx.time[row])
        lat, lon = view.point(row)
        gap_h = (t - w.time) / 3600.0
        dist_nm = distance_m(w.lat, w.lon, lat, lon) / NM
        implied = dist_nm / gap_h if gap_h > 0 else None
        speed = "" if implied is None else f", {implied:.1f} kn implied across the gap"
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=self.index.zones[w.zone].id, time=t,
            active=False, severity=self.scope.severity, started=w.time,
            message=(
                f"{vessel_label(view.state(m))} heard again after {gap_h:.1f} h, "
                f"{dist_nm:.0f} nm from where it fell silent{speed}"
            ),
            evidence={
                "gap_hours": round(gap_h, 2),
                "distance_nm": round(dist_nm, 1),
                "implied_speed_knots": None if implied is None else round(implied, 1),
                "reappeared_lat": round(lat, 5),
                "reappeared_lon": round(lon, 5),
            },
            lat=lat, lon=lon,
        )  # fmt: skip

    def _late(self, m: int, w: _Watch, time: float, watermark: float) -> Detection | None:
        """A fix from inside the gap, delivered late (a slow feed, a satellite pass): the
        vessel was transmitting then. If that leaves less silence than the threshold, the
        alert was wrong and is retracted; otherwise it stands."""
        if time <= w.time:
            return None
        w.time = time
        if watermark - time >= self.params.gap_hours * 3600.0:
            return None
        w.dark = w.escalated = w.timer = False
        self.watch.pop(m, None)
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=self.index.zones[w.zone].id, time=time,
            active=False, severity=self.scope.severity, started=time,
            message="late positions show the vessel was transmitting during the gap",
            disproved=True,
        )  # fmt: skip

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """Fire the timers the watermark has passed; escalate long gaps."""
        p = self.params
        out: list[Detection] = []
        timers = self._timers
        gap_s = p.gap_hours * 3600.0
        while timers and timers[0][0] <= watermark:
            deadline, m = heapq.heappop(timers)
            w = self.watch.get(m)
            if w is None:
                continue  # left the watched zones
            if w.dark:
                if not w.escalated and watermark - w.time >= p.disabling_gap_hours * 3600:
                    w.escalated = True
                    shore = self._shore_nm(w)
                    if shore is not None and shore >= p.disabling_min_shore_nm:
                        out.append(self._dark(m, w, watermark, tracks, escalate=True))
                continue
            if w.time + gap_s > deadline:
                heapq.heappush(timers, (w.time + gap_s, m))  # heard since: wait from then
                continue
            w.timer = False
            state = tracks.vessels.get(m)
            established = w.fixes >= p.min_fixes and (
                w.time - w.first >= p.min_tracked_minutes * 60.0
            )
            if state is None or not established or not admits(self.scope, state):
                continue
            w.dark = True
            out.append(self._dark(m, w, watermark, tracks, escalate=False))
            heapq.heappush(timers, (w.time + p.disabling_gap_hours * 3600.0, m))
        return out

    def _dark(self, m: int, w: _Watch, now: float, tracks: Tracks, escalate: bool) -> Detection:
        zone = self.index.zones[w.zone]
        state = tracks.vessels[m]
        hours = (now - w.time) / 3600.0
        shore = self._shore_nm(w)
        if escalate:
            message = (
                f"{vessel_label(state)} silent for {hours:.0f} h since {zone.name}, "
                f"{shore:.0f} nm from shore: possible intentional disabling of AIS"
            )
        else:
            message = f"{vessel_label(state)} silent for {hours:.0f} h since {zone.name}"
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=zone.id, time=now, active=True,
            severity="alarm" if escalate else self.scope.severity, started=w.time,
            message=message,
            evidence={
                "silent_hours": round(hours, 2),
                "last_seen_lat": round(w.lat, 5),
                "last_seen_lon": round(w.lon, 5),
                "distance_from_shore_nm": None if shore is None else round(shore, 1),
                "possible_intentional_disabling": escalate,
                "fixes_before_gap": w.fixes,
            },
            lat=w.lat, lon=w.lon,
        )  # fmt: skip

    def _shore_nm(self, w: _Watch) -> float | None:
        d = self.index.shore_distance_m(w.lon, w.lat)
        return None if d is None else d / NM

    def forget(self, mmsis: Iterable[int]) -> None:
        """Drop evicted vessels (a dark vessel is kept: its silence is the point)."""
        for m in mmsis:
            w = self.watch.get(m)
            if w is not None and not w.dark:
                del self.watch[m]
        # A deadline of a vessel no longer watched is skipped when it comes: drop them now.
        self._timers = pruned_timers(self._timers, lambda _deadline, m: m in self.watch,
                                     len(self.watch))  # fmt: skip
