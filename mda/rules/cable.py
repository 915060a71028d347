"""Threats to undersea cables and pipelines: vessels that stop, anchor or drag inside a corridor.

Four signals, each enough for an alarm on the corridor (one alert per vessel and corridor):

* ``at_anchor``: navigational status "at anchor" or "moored" inside the corridor;
* ``anchor_drag_at_anchor``: status "at anchor" while moving at drag speeds (a forgotten status
  at cruising speed is common and is not a drag, hence the upper bound);
* ``slow_dwell``: stopped or slow inside the corridor for more than a few minutes;
* ``anchor_drag_underway``: a ship crossing or running along the corridor that has lost a third
  of its usual speed and whose heading swings (or points well away from its course over
  ground) - the signature of the 2023-2024 Baltic cases, dragged at 6-7 knots for 100+ km,
  which "slow" alone misses.

One alert per vessel and stay inside corridors, however many corridors overlap there (in the
Red Sea a dozen systems share one route): it names the nearest cable and lists the others in
its evidence, rather than raising a dozen alarms for one ship. Only fixes inside corridors cost
anything here: the rest of the batch is one mask.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from mda.rules.base import (
    AT_ANCHOR,
    MOORED,
    BatchView,
    Detection,
    admits,
    vessel_label,
    zone_indices,
)
from mda.rules.settings import RuleSpec, detector_params
from mda.tracks import Tracks
from mda.zones.geodesic import point_to_line_m
from mda.zones.index import ZoneIndex

# Fixes kept per vessel and corridor to judge heading swings.
WINDOW_FIXES = 60


@dataclass(frozen=True, slots=True)
class CableParams:
    """Thresholds (ICPC, incident reports, AMSA: see DETECTIONS.md)."""

    slow_speed_kn: float = 2.0
    dwell_minutes: float = 10.0
    anchored_drag_min_kn: float = 0.5
    anchored_drag_max_kn: float = 4.0
    speed_drop_fraction: float = 0.3
    min_usual_speed_kn: float = 4.0
    heading_swing_deg: float = 8.0
    drift_angle_deg: float = 45.0
    window_minutes: float = 10.0
    min_window_fixes: int = 5
    # Out of the corridor (or silent) this long: the condition has ended.
    left_after_minutes: float = 10.0


class _Visit:
    """A vessel inside one corridor."""

    __slots__ = ("active", "corridors", "entered", "last_time", "signal", "slow_since",
                 "window", "zone")  # fmt: skip

    def __init__(self, time: float) -> None:
        self.corridors: tuple[int, ...] = ()  # the corridors of the latest fix
        self.zone = -1  # the corridor the alert names (nearest cable when it fired)
        self.entered = time
        self.last_time = time
        self.slow_since: float | None = None
        self.active = False
        self.signal = ""
        # (time, sog, cog, heading) of recent fixes inside the corridor, kept only once the
        # vessel has been seen below its usual speed (most crossings never are: memory).
        self.window: deque[tuple[float, float, float, float]] | None = None


class CableThreatRule:
    """Detects cable and pipeline threats; ``detector = "cable_threat"``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.scope = spec.scope
        self.params = detector_params(CableParams, spec)
        self.zones = zone_indices(index, self.scope.zones, spec.where)
        self.exclude = zone_indices(index, self.scope.exclude_zones, spec.where)
        self.index = index
        self.visits: dict[int, _Visit] = {}  # by MMSI: a stay inside corridors

    def observe(self, view: BatchView) -> list[Detection]:
        """Follow every fix inside a corridor; end visits of vessels seen outside."""
        fx = view.fixes
        detections: list[Detection] = []
        if not len(fx):
            return detections
        inside = view.in_scope(self.zones, self.exclude)
        rows = np.flatnonzero(inside)
        seen: dict[int, float] = {}
        admitted: dict[int, bool] = {}
        for row, m, t, corridors in zip(
            rows.tolist(), fx.mmsi[rows].tolist(), fx.time[rows].tolist(),
            view.zones_among(rows, self.zones), strict=True,
        ):  # fmt: skip
            ok = admitted.get(m)
            if ok is None:
                ok = admitted[m] = admits(self.scope, view.state(m))
            if not ok:
                continue
            found = self._fix(m, corridors, row, view)
            seen[m] = t
            if found is not None:
                detections.append(found)
        detections += self._left(view, seen)
        return detections

    def _fix(self, m: int, corridors: tuple[int, ...], row: int, view: BatchView
             ) -> Detection | None:  # fmt: skip
        fx, p = view.fixes, self.params
        t = float(fx.time[row])
        visit = self.visits.get(m)
        if visit is None or t - visit.last_time > p.left_after_minutes * 60.0:
            visit = self.visits[m] = _Visit(t)
        visit.last_time = t
        visit.corridors = corridors
        sog = float(fx.sog[row])
        if math.isnan(sog):
            sog = float(fx.implied_kn[row])  # no reported speed: judge by movement
        cog, heading, nav = float(fx.cog[row]), float(fx.heading[row]), int(fx.nav_status[row])
        if math.isnan(sog) or visit.active:
            return None
        usual = view.state(m).usual_speed_kn()
        if visit.window is None and usual and sog <= (1.0 - p.speed_drop_fraction) * usual:
            visit.window = deque(maxlen=WINDOW_FIXES)
        if visit.window is not None:
            visit.window.append((t, sog, cog, heading))
        if sog < p.slow_speed_kn:
            if visit.slow_since is None:
                visit.slow_since = t
        else:
            visit.slow_since = None
        evidence: dict[str, object] = {"speed_knots": round(sog, 1), "nav_status": nav}
        signal = ""
        if nav == AT_ANCHOR and p.anchored_drag_min_kn <= sog <= p.anchored_drag_max_kn:
            signal = "anchor_drag_at_anchor"
        elif nav in (AT_ANCHOR, MOORED) and sog < p.anchored_drag_min_kn:
            signal = "at_anchor"
        elif visit.slow_since is not None and t - visit.slow_since >= p.dwell_minutes * 60:
            signal = "slow_dwell"
            evidence["slow_minutes"] = round((t - visit.slow_since) / 60.0, 1)
        else:
            drag = self._drag_underway(visit, usual, sog)
            if drag is not None:
                signal = "anchor_drag_underway"
                evidence.update(drag)
        if not signal:
            return None
        visit.active, visit.signal = True, signal
        return self._detection(m, row, view, visit, evidence)

    def _drag_underway(
        self, visit: _Visit, usual: float | None, sog: float
    ) -> dict[str, object] | None:
        """Lost speed against the vessel's usual speed, with a swinging or crabbing heading."""
        p = self.params
        if visit.window is None or usual is None or usual < p.min_usual_speed_kn:
            return None
        if sog < p.slow_speed_kn:
            return None
        since = visit.last_time - p.window_minutes * 60.0
        recent = [w for w in visit.window if w[0] >= since]
        speeds = [w[1] for w in recent if not math.isnan(w[1])]
        headings = [w[3] for w in recent if not math.isnan(w[3])]
        if len(speeds) < p.min_window_fixes or len(headings) < p.min_window_fixes:
            return None
        speed = float(np.median(speeds))
        drop = 1.0 - speed / usual
        if drop < p.speed_drop_fraction:
            return None
        swing = circular_std_deg(headings)
        offsets = [abs(_angle(w[3] - w[2])) for w in recent if not (math.isnan(w[2] + w[3]))]
        crab = float(np.mean(offsets)) if offsets else 0.0
        if swing < p.heading_swing_deg and crab < p.drift_angle_deg:
            return None
        return {
            "median_speed_knots": round(speed, 1),
            "usual_speed_knots": round(usual, 1),
            "speed_drop_percent": round(100.0 * drop),
            "heading_swing_deg": round(swing, 1),
            "heading_course_offset_deg": round(crab, 1),
        }

    def _detection(
        self, m: int, row: int, view: BatchView, visit: _Visit, evidence: dict[str, object]
    ) -> Detection:
        lat, lon = view.point(row)
        distances = {
            z: point_to_line_m(lon, lat, line)
            for z in visit.corridors
            if (line := self.index.zones[z].line) is not None
        }
        visit.zone = (
            min(distances, key=lambda z: (distances[z], z)) if distances else (visit.corridors[0])
        )
        zone = self.index.zones[visit.zone]
        if visit.zone in distances:
            evidence["distance_to_cable_m"] = round(distances[visit.zone])
        evidence["corridors"] = sorted(self.index.zones[z].id for z in visit.corridors)
        evidence["signal"] = visit.signal
        evidence["minutes_in_corridor"] = round((visit.last_time - visit.entered) / 60.0, 1)
        what = {
            "at_anchor": "at anchor or moored",
            "anchor_drag_at_anchor": "at anchor but moving: possible anchor drag",
            "slow_dwell": "stopped or slow",
            "anchor_drag_underway": "lost speed with a swinging heading: possible anchor drag",
        }[visit.signal]
        kind = "pipeline" if zone.kind == "pipeline" else "cable"
        others = len(visit.corridors) - 1
        also = f" (and {others} other corridor{'s' if others > 1 else ''})" if others else ""
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=zone.id, time=visit.last_time, active=True,
            severity=self.scope.severity, started=visit.slow_since or visit.entered,
            message=f"{vessel_label(view.state(m))} {what} inside the {kind} corridor "
            f"{zone.name}{also}",
            evidence=evidence, lat=lat, lon=lon,
        )  # fmt: skip

    def _left(self, view: BatchView, seen: dict[int, float]) -> list[Detection]:
        """Visits of vessels whose latest fix of the batch is outside every corridor end."""
        rows_of = view.rows_of_vessel
        out = []
        for m, visit in list(self.visits.items()):
            span = rows_of.get(m)
            if span is None or (m in seen and seen[m] >= float(view.fixes.time[span[1] - 1])):
                continue
            del self.visits[m]
            if visit.active:
                out.append(self._ended(m, float(view.fixes.time[span[1] - 1]), visit))
        return out

    def _ended(self, m: int, time: float, visit: _Visit) -> Detection:
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=self.index.zones[visit.zone].id, time=time,
            active=False, severity=self.scope.severity, started=visit.entered,
            message="left the corridor",
        )  # fmt: skip

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """Visits of vessels silent for a while end (they may be back later, as a new one)."""
        horizon = watermark - self.params.left_after_minutes * 60.0
        out = []
        for m in [m for m, v in self.visits.items() if v.last_time < horizon]:
            visit = self.visits.pop(m)
            if visit.active:
                out.append(self._ended(m, watermark, visit))
        return out

    def forget(self, mmsis: Iterable[int]) -> None:
        """Drop evicted vessels."""
        for m in mmsis:
            self.visits.pop(m, None)


def _angle(deg: float) -> float:
    """An angle difference folded into [-180, 180)."""
    return (deg + 180.0) % 360.0 - 180.0


def circular_std_deg(angles: list[float]) -> float:
    """Circular standard deviation of angles in degrees."""
    r = np.radians(np.asarray(angles))
    length = math.hypot(float(np.mean(np.cos(r))), float(np.mean(np.sin(r))))
    # Equal angles can sum to a length a rounding above 1, whose log is positive.
    return math.degrees(math.sqrt(-2.0 * math.log(min(max(length, 1e-12), 1.0))))
