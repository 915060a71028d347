"""Position anomaly: a vessel that jumps where no ship could go, or sits inland.

Jumps. Vessel state opens a new segment for a fix no plausible speed (25 kn, GFW) could
have reached. One such fix is a bad fix more often than not, so an episode is reported when
either

- the jump is *confirmed*: the new position is followed by ``confirm_fixes`` fixes that
  continue it, and none from the old one meanwhile (the vessel now is, or claims to be,
  elsewhere: spoofing, a transponder moved to another ship, a position entered by hand); or
- jumps *repeat*: ``repeat_jumps`` or more within ``window_minutes`` (a failing receiver).

Only jumps needing more than ``min_speed_kn`` are counted (50 kn: above any ship but a few
fast craft; AISdb's threshold). Two transmitters sharing the MMSI keep switching between two
positions: neither confirms, and ``shared_mmsi`` reports them. The episode ends (the alert
clears) after ``quiet_minutes`` without another jump.

Land. Where land zones are loaded (Natural Earth land, kind ``land``), ``land_min_fixes``
consecutive fixes inside land and more than ``land_tolerance_m`` from its coastline are an
apparent position on land. The tolerance absorbs GNSS error and generalised coastlines (1:10m
Natural Earth is good to about 0.5-1 km); ports and anchorages (the rule's ``exclude_zones``)
never count, as harbour basins are often drawn as land. The alert clears at the first fix back
at sea.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mda.geo import KNOT_MS, NM
from mda.rules.anywhere import Where
from mda.rules.base import BatchView, Detection, Mask, admits, vessel_label
from mda.rules.settings import RuleSpec, detector_params
from mda.tracks import TrackBatch, Tracks
from mda.zones.index import ZoneIndex


@dataclass(frozen=True, slots=True)
class PositionAnomalyParams:
    """Thresholds for jumps and for positions on land."""

    jumps: bool = True
    min_speed_kn: float = 50.0
    confirm_fixes: int = 3
    repeat_jumps: int = 4
    window_minutes: float = 60.0
    quiet_minutes: float = 60.0
    land: bool = True
    land_tolerance_m: float = 1000.0
    land_min_fixes: int = 3


class _Jumps:
    """A vessel's recent jumps, the one waiting for confirmation, and its open episode."""

    __slots__ = ("active", "confirmed", "last", "pending", "started", "times")

    def __init__(self) -> None:
        self.times: deque[float] = deque()
        self.pending: dict[str, Any] | None = None  # the latest jump, with its segment
        self.confirmed = 0
        self.active = False
        self.started = 0.0
        self.last = 0.0  # time of the latest jump


class _Ashore:
    """A vessel's run of fixes inland."""

    __slots__ = ("active", "count", "first", "lat", "lon", "zone")

    def __init__(self, time: float, lat: float, lon: float, zone: str) -> None:
        self.first, self.lat, self.lon, self.zone = time, lat, lon, zone
        self.count = 0
        self.active = False


class PositionAnomalyRule:
    """Detects impossible jumps and positions on land; ``detector = "position_anomaly"``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.scope = spec.scope
        self.params = detector_params(PositionAnomalyParams, spec)
        self.where = Where(self.scope, index, spec.where)
        self.land = frozenset(i for i, z in enumerate(index.zones) if z.kind == "land")
        self.index = index
        self.jumps: dict[int, _Jumps] = {}
        self.ashore: dict[int, _Ashore] = {}

    def observe(self, view: BatchView) -> list[Detection]:
        """Jumps and fixes inland of the batch."""
        fx = view.fixes
        if not len(fx):
            return []
        scope = self.where.mask(view)
        out: list[Detection] = []
        if self.params.jumps:
            out += self._jumps(view, fx, scope)
        if self.params.land and self.land:
            out += self._land(view, fx, scope)
        return out

    # -- jumps ------------------------------------------------------------------------------

    def _jumps(self, view: BatchView, fx: TrackBatch, scope: Mask) -> list[Detection]:
        p = self.params
        with np.errstate(divide="ignore", invalid="ignore"):
            speed = fx.jump_m / np.maximum(fx.jump_s, 1.0) / KNOT_MS
        wild = fx.jumped & scope & (speed > p.min_speed_kn)
        for m in np.unique(fx.mmsi[wild]).tolist():
            self.jumps.setdefault(m, _Jumps())
        if not self.jumps:
            return []
        followed = np.fromiter(self.jumps, dtype=np.int64, count=len(self.jumps))
        rows = np.flatnonzero(np.isin(fx.mmsi, followed) & ~fx.late)
        window_s = p.window_minutes * 60.0
        out = []
        for k in rows.tolist():
            m, t = int(fx.mmsi[k]), float(fx.time[k])
            j = self.jumps[m]
            if wild[k]:
                j.times.append(t)
                j.last = t
                while j.times and j.times[0] < t - window_s:
                    j.times.popleft()
                j.pending = self._jump(fx, k, float(speed[k]))
                j.confirmed = 0
                if len(j.times) >= p.repeat_jumps:
                    why = f"{len(j.times)} position jumps within {p.window_minutes:.0f} min"
                    out += self._episode(m, j, view, t, why)
            elif j.pending is not None:
                if fx.segment[k] == j.pending["segment"]:
                    j.confirmed += 1
                    if j.confirmed >= p.confirm_fixes:
                        out += self._episode(m, j, view, t, "the new position was kept")
                else:
                    j.pending, j.confirmed = None, 0  # the old track goes on: a bad fix
        return out

    @staticmethod
    def _jump(fx: TrackBatch, k: int, speed_kn: float) -> dict[str, Any]:
        return {
            "segment": int(fx.segment[k]), "time": float(fx.time[k]),
            "lat": float(fx.lat[k]), "lon": float(fx.lon[k]),
            "jump_nm": round(float(fx.jump_m[k]) / NM, 1),
            "jump_seconds": round(float(fx.jump_s[k]), 1),
            "implied_speed_knots": round(speed_kn),
        }  # fmt: skip

    def _episode(self, m: int, j: _Jumps, view: BatchView, now: float, why: str) -> list[Detection]:
        jump = j.pending
        if j.active or jump is None:
            return []
        state = view.tracks.vessels.get(m)
        if state is None or not admits(self.scope, state):
            return []
        j.active, j.started = True, float(j.times[0]) if j.times else jump["time"]
        evidence = {k: v for k, v in jump.items() if k != "segment"}
        evidence.update({"jumps_in_window": len(j.times), "reason": why})
        return [
            Detection(
                rule=self.scope.name, mmsi=m, zone_id=None, time=now, active=True,
                severity=self.scope.severity, started=j.started,
                message=(f"{vessel_label(state)} jumped {jump['jump_nm']:.0f} nm in "
                         f"{jump['jump_seconds']:.0f} s ({jump['implied_speed_knots']} kn "
                         f"implied): apparent false position ({why})"),
                evidence=evidence, lat=jump["lat"], lon=jump["lon"],
            )
        ]  # fmt: skip

    # -- land -------------------------------------------------------------------------------

    def _land(self, view: BatchView, fx: TrackBatch, scope: Mask) -> list[Detection]:
        p = self.params
        inland = np.zeros(len(fx), dtype=bool)
        candidates = np.flatnonzero(view.in_zones(self.land) & scope)
        if len(candidates):
            near = self.index.distance_to_shore_m(fx.lon[candidates], fx.lat[candidates],
                                                  within_m=p.land_tolerance_m)  # fmt: skip
            inland[candidates[near > p.land_tolerance_m]] = True
        if not inland.any() and not self.ashore:
            return []
        watched = np.unique(fx.mmsi[inland]).tolist()
        followed = np.fromiter({*watched, *self.ashore}, dtype=np.int64)
        rows = np.flatnonzero(np.isin(fx.mmsi, followed) & ~fx.late)
        out = []
        for k in rows.tolist():
            m, t = int(fx.mmsi[k]), float(fx.time[k])
            a = self.ashore.get(m)
            if not inland[k]:
                if a is not None:
                    del self.ashore[m]
                    if a.active:
                        out.append(self._back_at_sea(m, a, t, view))
                continue
            if a is None:
                zone = view.zone_in(k, self.land)
                assert zone is not None  # inland fixes are in a land zone
                a = self.ashore[m] = _Ashore(t, *view.point(k), self.index.zones[zone].id)
            a.count += 1
            if a.count >= p.land_min_fixes and not a.active:
                state = view.tracks.vessels.get(m)
                if state is not None and admits(self.scope, state):
                    a.active = True
                    out.append(self._on_land(m, a, view, k))
        return out

    def _on_land(self, m: int, a: _Ashore, view: BatchView, k: int) -> Detection:
        lat, lon = view.point(k)
        shore = self.index.shore_distance_m(lon, lat)
        km = None if shore is None else shore / 1000.0
        inland = "" if km is None else f" {km:.1f} km"
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=a.zone, time=float(view.fixes.time[k]),
            active=True, severity=self.scope.severity, started=a.first,
            message=(f"{vessel_label(view.state(m))} reports positions{inland} inland: "
                     f"apparent false position"),
            evidence={"distance_inland_km": None if km is None else round(km, 2),
                      "fixes_inland": a.count, "first_inland_lat": round(a.lat, 5),
                      "first_inland_lon": round(a.lon, 5)},
            lat=lat, lon=lon,
        )  # fmt: skip

    def _back_at_sea(self, m: int, a: _Ashore, t: float, view: BatchView) -> Detection:
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=a.zone, time=t, active=False,
            severity=self.scope.severity, started=a.first,
            message="positions back at sea",
        )  # fmt: skip

    # -- time -------------------------------------------------------------------------------

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """A jump episode ends after ``quiet_minutes`` without a jump."""
        p = self.params
        horizon = watermark - max(p.quiet_minutes, p.window_minutes) * 60.0
        out = []
        for m in [m for m, j in self.jumps.items() if j.last < horizon]:
            j = self.jumps.pop(m)
            if j.active:
                out.append(
                    Detection(
                        rule=self.scope.name, mmsi=m, zone_id=None, time=watermark,
                        active=False, severity=self.scope.severity, started=j.started,
                        message=f"no position jump for {p.quiet_minutes:.0f} min",
                    )
                )  # fmt: skip
        return out

    def forget(self, mmsis: Iterable[int]) -> None:
        """Evicted vessels: their runs end (an open jump episode still clears by tick)."""
        for m in mmsis:
            self.ashore.pop(m, None)
