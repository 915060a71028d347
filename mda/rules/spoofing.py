"""GNSS spoofing: many vessels at one point, or a vessel circling a point it never steers round.

A spoofed GNSS receiver reports where the spoofer says it is, so the signs are in positions:

- **Same point.** ``min_vessels`` or more distinct MMSIs, each standing still, at the same
  point (lat/lon rounded to ``point_decimals``; 4 decimals is about 11 m) within
  ``window_minutes``. Ships at a berth or an anchorage are tens of metres apart at least; the
  Black Sea incident of June 2017 put twenty ships at one inland point. (0, 0) is left out:
  it is what a receiver without a fix sends.
- **Ring.** A vessel whose fixes go round a fixed centre at a constant radius for
  ``ring_min_turns`` full turns within ``ring_window_minutes`` while its heading (from the
  gyro, not the GNSS) does not turn with its course: the "crop circles" seen off Chinese and
  Middle Eastern ports since 2019, where moored ships appeared to circle. A vessel really
  steaming in circles turns its bow with its course and is not reported. Other vessels found
  on rings round the same centre are named in the evidence.

Both are vectorised over the batch: the same-point test keeps only stationary fixes of the
last window (one row per vessel and point); the ring test keeps a few dozen points only for
vessels whose course keeps turning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mda.rules.anywhere import Where
from mda.rules.base import BatchView, Detection, admits, vessel_label
from mda.rules.rings import RingFinder
from mda.rules.settings import RuleSpec, detector_params
from mda.tracks import Tracks
from mda.zones.index import ZoneIndex

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SpoofingParams:
    """Thresholds of the two signs."""

    min_vessels: int = 5
    point_decimals: int = 4
    window_minutes: float = 10.0
    stationary_m: float = 20.0  # a fix this close to the vessel's previous one stands still
    rings: bool = True
    ring_min_turns: float = 2.0
    ring_min_radius_m: float = 100.0
    ring_max_radius_m: float = 20_000.0
    ring_max_spread: float = 0.05  # RMS distance from the circle, as a share of its radius
    ring_min_fixes: int = 12
    ring_window_minutes: float = 60.0


@dataclass(slots=True)
class _Cluster:
    """Vessels at one point: who is reported for it, since when, and who is there."""

    anchor: int
    started: float
    mmsis: tuple[int, ...]


class SpoofingRule:
    """Detects signs of GNSS spoofing; ``detector = "spoofing"``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.scope = spec.scope
        self.params = p = detector_params(SpoofingParams, spec)
        self.where = Where(self.scope, index, spec.where)
        self.scale = 10.0**p.point_decimals
        # Stationary fixes of the window: packed point, MMSI, time (one row per vessel+point).
        self.key = np.zeros(0, dtype=np.int64)
        self.mmsi = np.zeros(0, dtype=np.int64)
        self.time = np.zeros(0)
        self.clusters: dict[int, _Cluster] = {}  # packed point -> cluster being reported
        self.rings = RingFinder(
            p.ring_min_turns, p.ring_min_radius_m, p.ring_max_radius_m, p.ring_max_spread,
            p.ring_min_fixes, p.ring_window_minutes * 60.0,
        )  # fmt: skip

    def observe(self, view: BatchView) -> list[Detection]:
        """Update the window's stationary points and the turning vessels."""
        fx = view.fixes
        if not len(fx):
            return []
        scope = self.where.mask(view)
        out = self._same_point(view, scope)
        if self.params.rings:
            for m, ring in self.rings.observe(fx, scope):
                state = view.tracks.vessels.get(m)
                if state is None or not admits(self.scope, state):
                    continue
                out.append(Detection(
                    rule=self.scope.name, mmsi=m, zone_id=None, time=ring.time, active=True,
                    severity=self.scope.severity, started=ring.started,
                    message=(f"{vessel_label(state)} reports positions circling a fixed point "
                             f"({ring.radius_m:.0f} m radius, {ring.turns:.1f} turns) "
                             f"without turning its bow: apparent GNSS spoofing"),
                    evidence={"sign": "ring", **ring.evidence()},
                    lat=ring.centre_lat, lon=ring.centre_lon,
                ))  # fmt: skip
        return out

    # -- same point ---------------------------------------------------------------------------

    def _same_point(self, view: BatchView, scope: npt.NDArray[np.bool_]) -> list[Detection]:
        fx = view.fixes
        p = self.params
        still = scope & ~fx.late & (fx.dist_m <= p.stationary_m)
        still &= (fx.lat != 0.0) | (fx.lon != 0.0)
        rows = np.flatnonzero(still)
        if not len(rows):
            return []
        key = self._pack(fx.lat[rows], fx.lon[rows])
        self.key = np.r_[self.key, key]
        self.mmsi = np.r_[self.mmsi, fx.mmsi[rows]]
        self.time = np.r_[self.time, fx.time[rows]]
        # Only points the batch stood at can have become crowded.
        since = view.watermark - p.window_minutes * 60.0
        near = np.isin(self.key, np.unique(key)) & (self.time >= since)
        if not near.any():
            return []  # the batch's stationary fixes are older than the window
        order = np.lexsort((self.mmsi[near], self.key[near]))
        keys, who = self.key[near][order], self.mmsi[near][order]
        distinct = np.r_[True, (keys[1:] != keys[:-1]) | (who[1:] != who[:-1])]
        points, counts = np.unique(keys[distinct], return_counts=True)
        out = []
        for point in points[counts >= p.min_vessels].tolist():
            here = near & (self.key == point)
            mmsis = tuple(sorted(set(self.mmsi[here].tolist())))
            held = self.clusters.get(point)
            if held is None:
                held = self.clusters[point] = _Cluster(mmsis[0], float(self.time[here].min()), ())
            if set(mmsis) <= set(held.mmsis):
                continue  # nobody new: the alert stands as it is
            held.mmsis = tuple(sorted({*held.mmsis, *mmsis}))
            found = self._point(point, held, float(self.time[here].max()), view)
            if found is not None:
                out.append(found)
        return out

    def _pack(self, lat: Floats, lon: Floats) -> Ints:
        """Rounded (lat, lon) packed into one number (both offset to be non-negative)."""
        la = np.rint((lat + 90.0) * self.scale).astype(np.int64)
        lo = np.rint((lon + 180.0) * self.scale).astype(np.int64)
        packed: Ints = la * (360 * int(self.scale) + 1) + lo
        return packed

    def _unpack(self, key: int) -> tuple[float, float]:
        la, lo = divmod(key, 360 * int(self.scale) + 1)
        return round(la / self.scale - 90.0, 7), round(lo / self.scale - 180.0, 7)

    def _trim(self, since: float) -> None:
        """Keep the window, one row per vessel and point (its latest)."""
        keep = self.time >= since
        key, mmsi, time = self.key[keep], self.mmsi[keep], self.time[keep]
        order = np.lexsort((-time, mmsi, key))
        key, mmsi, time = key[order], mmsi[order], time[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = (key[1:] != key[:-1]) | (mmsi[1:] != mmsi[:-1])
        self.key, self.mmsi, self.time = key[first], mmsi[first], time[first]

    def _point(self, key: int, c: _Cluster, t: float, view: BatchView) -> Detection | None:
        state = view.tracks.vessels.get(c.anchor)
        if state is None or not admits(self.scope, state):
            return None
        lat, lon = self._unpack(key)
        return Detection(
            rule=self.scope.name, mmsi=c.anchor, zone_id=None, time=t, active=True,
            severity=self.scope.severity, started=c.started,
            message=(f"{len(c.mmsis)} vessels, {vessel_label(state)} among them, report the "
                     f"same position {lat:.4f}, {lon:.4f}: apparent GNSS spoofing"),
            evidence={"sign": "same_point", "point_lat": lat, "point_lon": lon,
                      "vessels": len(c.mmsis), "mmsis": list(c.mmsis)},
            lat=lat, lon=lon,
        )  # fmt: skip

    def _dispersed(self, c: _Cluster, now: float) -> Detection:
        return Detection(
            rule=self.scope.name, mmsi=c.anchor, zone_id=None, time=now, active=False,
            severity=self.scope.severity, started=c.started,
            message="vessels no longer report the same position",
        )  # fmt: skip

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """Rings and crowds that have ended."""
        out = []
        for m, ring in self.rings.ended(watermark):
            out.append(Detection(
                rule=self.scope.name, mmsi=m, zone_id=None, time=watermark, active=False,
                severity=self.scope.severity, started=ring.started,
                message="positions no longer circle a fixed point",
            ))  # fmt: skip
        # The window is trimmed here, every tick of event time, not on every batch.
        self._trim(watermark - self.params.window_minutes * 60.0)
        if self.clusters:
            points, counts = np.unique(self.key, return_counts=True)
            crowded = set(points[counts >= self.params.min_vessels].tolist())
            for key in [k for k in self.clusters if k not in crowded]:
                out.append(self._dispersed(self.clusters.pop(key), watermark))
        return out

    def forget(self, mmsis: Iterable[int]) -> None:
        """Evicted vessels leave the ring finder (the window forgets by itself)."""
        self.rings.forget(mmsis)
