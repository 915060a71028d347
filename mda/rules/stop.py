"""Unexpected stop: a merchant ship slowing to a stop at sea in a high-risk area.

Merchant ships (AIS types 70-89: cargo and tankers) keep moving through the piracy high-risk
area and the Gulf of Guinea; one that falls under ``max_speed_kn`` for ``min_minutes`` away
from ports and anchorages may be boarded, broken down or waiting for something. The stop ends
when the ship makes way again above ``resume_speed_kn`` (higher than the stop threshold, so a
ship hovering around 2 knots does not flap).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from mda.rules.base import BatchView, Detection, admits, vessel_label, zone_indices
from mda.rules.settings import RuleSpec, detector_params
from mda.tracks import Tracks
from mda.zones.index import ZoneIndex


@dataclass(frozen=True, slots=True)
class StopParams:
    """Thresholds."""

    max_speed_kn: float = 2.0
    min_minutes: float = 15.0
    resume_speed_kn: float = 4.0
    # Silent this long while stopped: the stop is no longer known to go on.
    silent_hours: float = 6.0


class _Stop:
    __slots__ = ("active", "last_time", "lat", "lon", "since", "zone")

    def __init__(self, since: float, zone: int, lat: float, lon: float) -> None:
        self.since = since
        self.last_time = since
        self.zone = zone
        self.lat, self.lon = lat, lon
        self.active = False


class UnexpectedStopRule:
    """Detects merchant ships stopping at sea; ``detector = "unexpected_stop"``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.scope = spec.scope
        self.params = detector_params(StopParams, spec)
        self.zones = zone_indices(index, self.scope.zones, spec.where)
        self.exclude = zone_indices(index, self.scope.exclude_zones, spec.where)
        self.index = index
        self.stops: dict[int, _Stop] = {}

    def observe(self, view: BatchView) -> list[Detection]:
        """Follow vessels that are slow in scope, or were."""
        fx = view.fixes
        if not len(fx):
            return []
        speed = np.where(np.isnan(fx.sog), fx.implied_kn, fx.sog)
        slow = view.in_scope(self.zones, self.exclude) & (speed < self.params.max_speed_kn)
        candidates = set(fx.mmsi[slow].tolist())
        candidates.update(m for m in self.stops if m in view.rows_of_vessel)
        out: list[Detection] = []
        for m in sorted(candidates):
            s, e = view.rows_of_vessel[m]
            if not admits(self.scope, view.state(m)):
                self.stops.pop(m, None)
                continue
            for row in range(s, e):
                if fx.late[row]:
                    continue
                found = self._fix(m, row, bool(slow[row]), float(speed[row]), view)
                if found is not None:
                    out.append(found)
        return out

    def _fix(self, m: int, row: int, slow: bool, speed: float, view: BatchView) -> Detection | None:
        p = self.params
        t = float(view.fixes.time[row])
        stop = self.stops.get(m)
        if slow:
            if stop is None:
                lat, lon = view.point(row)
                zone = view.zone_in(row, self.zones)
                assert zone is not None  # slow fixes are in scope
                stop = self.stops[m] = _Stop(t, zone, lat, lon)
            stop.last_time = t
            if not stop.active and t - stop.since >= p.min_minutes * 60.0:
                stop.active = True
                return self._detection(m, stop, view, row, active=True)
            return None
        if stop is None:
            return None
        if math.isnan(speed) or speed < p.resume_speed_kn:
            stop.last_time = t  # between the thresholds: still stopped, for hysteresis
            return None
        del self.stops[m]
        return self._detection(m, stop, view, row, active=False) if stop.active else None

    def _detection(self, m: int, stop: _Stop, view: BatchView, row: int, active: bool) -> Detection:
        zone = self.index.zones[stop.zone]
        t = float(view.fixes.time[row])
        minutes = (t - stop.since) / 60.0
        label = vessel_label(view.state(m))
        message = (
            f"{label} stopped at sea in {zone.name} for {minutes:.0f} min"
            if active
            else f"{label} under way again after {minutes:.0f} min stopped"
        )
        lat, lon = view.point(row)
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=zone.id, time=t, active=active,
            severity=self.scope.severity, started=stop.since, message=message,
            evidence={
                "stopped_minutes": round(minutes, 1),
                "speed_knots": round(float(view.fixes.sog[row]), 1)
                if not math.isnan(float(view.fixes.sog[row])) else None,
                "max_speed_knots": self.params.max_speed_kn,
                "ship_type": view.state(m).ship_type,
            },
            lat=lat, lon=lon,
        )  # fmt: skip

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """A stopped vessel that falls silent is no longer known to be stopped (its silence
        is the going-dark rule's business)."""
        horizon = watermark - self.params.silent_hours * 3600.0
        out = []
        for m in [m for m, s in self.stops.items() if s.last_time < horizon]:
            stop = self.stops.pop(m)
            if stop.active:
                out.append(
                    Detection(
                        rule=self.scope.name, mmsi=m, zone_id=self.index.zones[stop.zone].id,
                        time=watermark, active=False, severity=self.scope.severity,
                        started=stop.since, message="no position since the stop",
                    )
                )  # fmt: skip
        return out

    def forget(self, mmsis: Iterable[int]) -> None:
        """Drop evicted vessels."""
        for m in mmsis:
            self.stops.pop(m, None)
