"""Encounters: two vessels close together, slow, for hours, away from port: a possible
rendezvous, and a possible transshipment when one of them is a carrier.

Global Fishing Watch's method, run on the live stream. Each vessel's positions are resampled
onto a grid (10 minutes, see :mod:`mda.rules.resample`); at every grid time the vessels are
paired by a spatial hash (:mod:`mda.rules.proximity`), never all against all. A pair's run of
grid times at most ``max_distance_m`` apart is a raw encounter; a grid time where one of the two
has no position (a gap in its track) neither breaks nor extends a run, as in GFW's raw
encounters. Raw runs of ``min_run_minutes`` or more less than ``merge_hours`` apart are joined
(GFW merges at 4 h), and the merged event is an encounter once it spans ``min_minutes`` with a
median speed under ``max_median_speed_kn``. Grid times within ``min_port_distance_km`` of a port
or anchorage, or outside the rule's zones, count as apart: ships lie side by side in port.

A grid time is judged when the watermark is ``lateness_minutes`` past it: a vessel's position
there exists only once its next fix has arrived. A vessel reporting less often than that has no
position at the time (an unknown, not a separation). State is a last fix per vessel, the open
grid slices, and one small record per pair that is close now or was part of an event within the
merge window; a pair that separates without an event is dropped at once.

The alert opens when the event reaches ``min_minutes`` (its start is the event's first grid
time) and clears when the two are seen apart, or not seen together for the merge window; a
meeting again within the window resumes the same event. It is about the vessel that is not a
carrier (the fishing vessel a reefer meets), else the lower MMSI, and names the other vessel.
A carrier is a vessel of one of ``carrier_ship_types`` or on the ``carrier_list`` file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from mda.errors import ConfigError
from mda.rules.base import BatchView, Detection, admits, vessel_label, zone_indices
from mda.rules.proximity import MeanPosition, PortDistance, fixes_in_scope, pairs_within
from mda.rules.resample import GridPoints, Resampler
from mda.rules.settings import RuleSpec, detector_params
from mda.settings.vessel_lists import VesselList, load_vessel_list
from mda.timefmt import iso
from mda.tracks import Tracks
from mda.zones.index import ZoneIndex


@dataclass(frozen=True, slots=True)
class EncounterParams:
    """Thresholds (GFW published encounters: 500 m, 2 h, median < 2 kn, 10 km from anchorages,
    10-minute grid, 1 h interpolation, merged across 4 h; Skylight: 250 m for 30 min)."""

    max_distance_m: float = 500.0
    min_minutes: float = 120.0
    max_median_speed_kn: float = 2.0
    min_port_distance_km: float = 10.0
    grid_minutes: float = 10.0
    max_gap_minutes: float = 60.0
    min_run_minutes: float = 30.0
    merge_hours: float = 4.0
    lateness_minutes: float = 15.0
    carrier_ship_types: tuple[int, ...] = ()
    carrier_list: str = ""  # a vessel list CSV (mmsi and/or imo), relative to the rule file
    resample_below_kn: float = 6.0  # faster fixes are not resampled


class Sample:
    """Values of an event for its medians, bounded: past ``cap`` values every other one is
    dropped and only every second later one kept, so a week-long rafting stays small."""

    __slots__ = ("cap", "seen", "stride", "values")

    def __init__(self, cap: int = 1024) -> None:
        self.values: list[float] = []
        self.cap = cap
        self.stride = 1
        self.seen = 0

    def add(self, value: float) -> None:
        """Count one value in (NaN is ignored)."""
        if math.isnan(value):
            return
        self.seen += 1
        if self.seen % self.stride:
            return
        self.values.append(value)
        if len(self.values) > self.cap:
            del self.values[1::2]
            self.stride *= 2

    def extend(self, other: Sample) -> None:
        """Count another sample's values in."""
        for v in other.values:
            self.add(v)

    def median(self) -> float | None:
        """The median (None when empty)."""
        return float(np.median(self.values)) if self.values else None


class _Stats:
    """What an encounter's evidence is computed from."""

    __slots__ = ("distance", "place", "slices", "speed")

    def __init__(self) -> None:
        self.distance = Sample()
        self.speed = Sample()
        self.place = MeanPosition()
        self.slices = 0

    def merge(self, other: _Stats) -> None:
        self.distance.extend(other.distance)
        self.speed.extend(other.speed)
        self.place.merge(other.place)
        self.slices += other.slices


class _Pair:
    """Two vessels that are close, or were part of an event within the merge window."""

    __slots__ = ("a", "active", "alerted", "b", "carriers", "event", "event_end", "event_start",
                 "mmsi", "oriented", "other", "run", "run_joined", "run_last",
                 "run_start")  # fmt: skip

    def __init__(self, a: int, b: int) -> None:
        self.a, self.b = a, b
        self.run_start: float | None = None  # the current raw run
        self.run_last = 0.0
        self.run_joined = False  # the run is long enough and belongs to the event
        self.run = _Stats()
        self.event_start: float | None = None  # the merged event
        self.event_end = 0.0
        self.event = _Stats()
        self.active = False
        self.alerted = False  # the event has been active
        self.mmsi, self.other = a, b  # who the alert is about, fixed when it first opens
        self.oriented = False
        self.carriers: tuple[int, ...] = ()

    def last_close(self) -> float:
        return max(self.run_last if self.run_start is not None else -math.inf,
                   self.event_end if self.event_start is not None else -math.inf)  # fmt: skip


class EncounterRule:
    """Detects encounters; ``detector = "encounter"``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.scope = spec.scope
        self.params = p = detector_params(EncounterParams, spec)
        _check(p, spec.where)
        # "*" is everywhere, the high seas outside every loaded zone included: that is where
        # transshipment happens.
        self.everywhere = "*" in self.scope.zones
        self.zones = zone_indices(index, self.scope.zones, spec.where)
        self.exclude = zone_indices(index, self.scope.exclude_zones, spec.where)
        self.ports = PortDistance(index.zones)
        carriers = VesselList()
        if p.carrier_list:
            carriers = load_vessel_list(spec.folder / p.carrier_list, "carrier list")
        self.carrier_mmsi, self.carrier_imo = carriers.mmsi, carriers.imo
        self.step_s = p.grid_minutes * 60.0
        self.resampler = Resampler(self.step_s, p.max_gap_minutes * 60.0)
        self.slices: dict[int, list[GridPoints]] = {}  # open grid slots -> their points
        self.closed_through: int | None = None  # grid slots up to this one are judged
        self.pairs: dict[tuple[int, int], _Pair] = {}
        self.under_way: dict[int, float] = {}  # paired vessels last seen too fast to resample
        self.late_points = 0  # grid points that came after their slot was judged

    # -- input --------------------------------------------------------------------------------

    def observe(self, view: BatchView) -> list[Detection]:
        """Resample the batch's fixes; judge the grid times the watermark has passed."""
        if len(view.fixes):
            fx = view.fixes
            in_scope = fixes_in_scope(view, self.everywhere, self.zones, self.exclude)
            # A vessel this fast is in no encounter (its median speed would be far over the
            # limit): resampling only slower fixes keeps state for a fraction of the fleet.
            speed = np.where(np.isfinite(fx.sog), fx.sog, fx.implied_kn)
            slow = ~(speed >= self.params.resample_below_kn)  # unknown speed is kept
            points = self.resampler.add(fx, in_scope, slow)
            if self.pairs:  # a paired vessel under way has left its partner
                paired = np.fromiter({m for key in self.pairs for m in key}, dtype=np.int64)
                mine = np.isin(fx.mmsi, paired) & ~fx.late
                for m in set(fx.mmsi[mine & slow].tolist()):
                    self.under_way.pop(m, None)  # slow again: resampled again
                fast = mine & ~slow
                for m, t in zip(fx.mmsi[fast].tolist(), fx.time[fast].tolist(), strict=True):
                    self.under_way.setdefault(m, t)
            self._hold(points)
        return self._judge(view.watermark, view.tracks)

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """Judge the grid times the watermark has passed."""
        return self._judge(watermark, tracks)

    def forget(self, mmsis: Iterable[int]) -> None:
        """Drop evicted vessels (their pairs ended long before: eviction waits 48 h)."""
        gone = set(mmsis)
        self.resampler.forget(gone)
        for m in gone:
            self.under_way.pop(m, None)
        for key in [k for k in self.pairs if k[0] in gone or k[1] in gone]:
            del self.pairs[key]

    def _hold(self, points: GridPoints) -> None:
        if not len(points):
            return
        if self.closed_through is not None:
            late = points.slot <= self.closed_through
            if late.any():
                self.late_points += int(late.sum())
                points = points.select(~late)
        for slot in np.unique(points.slot).tolist():
            self.slices.setdefault(slot, []).append(points.select(points.slot == slot))

    # -- judging grid times --------------------------------------------------------------------

    def _judge(self, watermark: float, tracks: Tracks) -> list[Detection]:
        p = self.params
        if not math.isfinite(watermark):
            return []  # no event time yet
        cutoff = math.floor((watermark - p.lateness_minutes * 60.0) / self.step_s)
        if self.closed_through is not None and cutoff <= self.closed_through:
            return []
        out: list[Detection] = []
        for slot in sorted(s for s in self.slices if s <= cutoff):
            out += self._slice(slot, GridPoints.join(self.slices.pop(slot)), tracks)
        self.closed_through = cutoff
        out += self._expire(cutoff * self.step_s, tracks)
        if self.under_way:
            paired = {m for key in self.pairs for m in key}
            for m in [m for m in self.under_way if m not in paired]:
                del self.under_way[m]
        self.resampler.forget_older(watermark - (p.max_gap_minutes + p.lateness_minutes) * 60)
        return out

    def _slice(self, slot: int, pts: GridPoints, tracks: Tracks) -> list[Detection]:
        p = self.params
        t = slot * self.step_s
        _, first = np.unique(pts.mmsi, return_index=True)
        pts = pts.select(np.sort(first))
        eligible = pts.in_scope & ~self.ports.near(pts.lat, pts.lon, p.min_port_distance_km)
        rows = np.flatnonzero(eligible)
        i, j, dist = pairs_within(pts.lat[rows], pts.lon[rows], p.max_distance_m)
        i, j = rows[i], rows[j]
        # A grid time's speed is the mean of the two vessels' (either, when one is unknown).
        sa, sb = pts.speed_kn[i], pts.speed_kn[j]
        speed = np.where(np.isnan(sa), sb, np.where(np.isnan(sb), sa, (sa + sb) / 2))
        mid_lat = (pts.lat[i] + pts.lat[j]) / 2
        out: list[Detection] = []
        close: set[tuple[int, int]] = set()
        mmsi = pts.mmsi
        for a_row, b_row, d, v, y in zip(i.tolist(), j.tolist(), dist.tolist(), speed.tolist(),
                                         mid_lat.tolist(), strict=True):  # fmt: skip
            a, b = int(mmsi[a_row]), int(mmsi[b_row])
            key = (a, b) if a < b else (b, a)
            pair = self.pairs.get(key)
            if pair is None:
                if not self._admits(a, b, tracks):
                    continue
                pair = self.pairs[key] = _Pair(*key)
            close.add(key)
            # Metres apart: either vessel's longitude is the pair's.
            found = self._close(pair, t, d, v, y, float(pts.lon[a_row]), tracks)
            if found is not None:
                out.append(found)
        present = set(mmsi.tolist())
        # Under way since before this grid time, so not resampled: seen, and close to no one.
        present.update(m for m, since in self.under_way.items() if since <= t)
        for key, pair in list(self.pairs.items()):
            if key not in close and key[0] in present and key[1] in present:
                found = self._apart(key, pair, t, tracks)
                if found is not None:
                    out.append(found)
        return out

    def _admits(self, a: int, b: int, tracks: Tracks) -> bool:
        """A pair is in scope when either vessel's type and flag are."""
        for m in (a, b):
            state = tracks.vessels.get(m)
            if state is not None and admits(self.scope, state):
                return True
        return False

    def _close(self, pair: _Pair, t: float, d: float, speed: float, lat: float, lon: float,
               tracks: Tracks) -> Detection | None:  # fmt: skip
        p = self.params
        if pair.run_start is None:
            # After an alert, meeting again within the merge window resumes it at once (the
            # alert's clear_after_minutes can then ride out a brief separation); before one,
            # a new run must last min_run_minutes to count, as GFW's raw encounters must.
            resumes = pair.alerted and t - pair.event_end < p.merge_hours * 3600.0
            pair.run_start, pair.run, pair.run_joined = t, _Stats(), resumes
        pair.run_last = t
        stats = pair.event if pair.run_joined else pair.run
        stats.distance.add(d)
        stats.speed.add(speed)
        stats.place.add(lat, lon)
        stats.slices += 1
        if (
            not pair.run_joined
            and t - pair.run_start >= p.min_run_minutes * 60.0
            and (pair.run.slices >= 2)
        ):
            merge_s = p.merge_hours * 3600.0
            if pair.event_start is None or pair.run_start - pair.event_end >= merge_s:
                pair.event_start, pair.event, pair.alerted = pair.run_start, pair.run, False
            else:
                pair.event.merge(pair.run)
            pair.run_joined, pair.run = True, _Stats()
        if not pair.run_joined:
            return None
        pair.event_end = t
        assert pair.event_start is not None
        speed_kn = pair.event.speed.median()
        if (
            pair.active
            or t - pair.event_start < p.min_minutes * 60.0
            or speed_kn is None
            or speed_kn >= p.max_median_speed_kn
        ):
            return None
        pair.active = pair.alerted = True
        if not pair.oriented:
            self._orient(pair, tracks)
        return self._detection(pair, t, tracks, active=True, why="")

    def _apart(self, key: tuple[int, int], pair: _Pair, t: float,
               tracks: Tracks) -> Detection | None:  # fmt: skip
        found = None
        if pair.active:
            pair.active = False
            found = self._detection(pair, t, tracks, active=False, why="apparently separated")
        pair.run_start, pair.run_joined, pair.run = None, False, _Stats()
        if pair.event_start is None:
            del self.pairs[key]  # nothing to merge a later meeting with
        return found

    def _expire(self, now: float, tracks: Tracks) -> list[Detection]:
        """End pairs not seen together for the merge window (one of them silent, or a
        separation that no later meeting joined)."""
        horizon = now - self.params.merge_hours * 3600.0
        out = []
        for key in [k for k, pr in self.pairs.items() if pr.last_close() < horizon]:
            pair = self.pairs.pop(key)
            if pair.active:
                out.append(self._detection(pair, now, tracks, active=False,
                                           why="no longer seen together"))  # fmt: skip
        return out

    # -- what an alert says --------------------------------------------------------------------

    def _is_carrier(self, m: int, tracks: Tracks) -> bool:
        if m in self.carrier_mmsi:
            return True
        state = tracks.vessels.get(m)
        if state is None:
            return False
        return (state.imo is not None and state.imo in self.carrier_imo) or (
            state.ship_type is not None and state.ship_type in self.params.carrier_ship_types
        )

    def _orient(self, pair: _Pair, tracks: Tracks) -> None:
        """The alert is about the non-carrier (the fishing vessel met by a carrier), else
        about the lower MMSI; fixed for the pair's life so the alert keeps its identity."""
        pair.oriented = True
        pair.carriers = tuple(m for m in (pair.a, pair.b) if self._is_carrier(m, tracks))
        if pair.carriers == (pair.a,):
            pair.mmsi, pair.other = pair.b, pair.a

    def _detection(self, pair: _Pair, t: float, tracks: Tracks, *, active: bool,
                   why: str) -> Detection:  # fmt: skip
        assert pair.event_start is not None
        ev = pair.event
        hours = (pair.event_end - pair.event_start) / 3600.0
        lat, lon = ev.place.value()
        distance_m = ev.distance.median() or 0.0
        speed_kn = ev.speed.median()
        port = self.ports.nearest(lat, lon)
        transshipment = len(pair.carriers) > 0
        names = {m: _label(tracks, m) for m in (pair.mmsi, pair.other)}
        how = f"for {hours:.1f} h, median {distance_m:.0f} m apart at {speed_kn or 0:.1f} kn"
        if not active:
            message = f"encounter of {names[pair.mmsi]} and {names[pair.other]} ended: {why}"
        elif transshipment and len(pair.carriers) == 1:
            message = (f"possible transshipment: {names[pair.mmsi]} alongside carrier "
                       f"{names[pair.other]} {how}")  # fmt: skip
        elif transshipment:
            message = (f"possible transshipment between carriers {names[pair.mmsi]} and "
                       f"{names[pair.other]} {how}")  # fmt: skip
        else:
            message = f"possible encounter: {names[pair.mmsi]} and {names[pair.other]} {how}"
        return Detection(
            rule=self.scope.name, mmsi=pair.mmsi, zone_id=None, time=t, active=active,
            severity=self.scope.severity, started=pair.event_start, message=message,
            evidence={
                "other_mmsi": pair.other,
                "start": iso(pair.event_start),
                "end": iso(pair.event_end),
                "duration_hours": round(hours, 2),
                "median_distance_m": round(distance_m, 1),
                "median_speed_knots": None if speed_kn is None else round(speed_kn, 2),
                "mean_lat": round(lat, 5),
                "mean_lon": round(lon, 5),
                "distance_to_port_km": None if port is None else round(port[0], 1),
                "nearest_port": None if port is None else port[1],
                "grid_points_together": ev.slices,
                "possible_transshipment": transshipment,
                "carrier_mmsi": list(pair.carriers),
                "max_distance_m": self.params.max_distance_m,
            },
            lat=lat, lon=lon, other_mmsi=pair.other,
        )  # fmt: skip


def _label(tracks: Tracks, m: int) -> str:
    state = tracks.vessels.get(m)
    return vessel_label(state) if state is not None else f"unnamed vessel (MMSI {m})"


def _check(p: EncounterParams, where: str) -> None:
    positive = ("max_distance_m", "min_minutes", "max_median_speed_kn", "grid_minutes",
                "max_gap_minutes", "min_run_minutes", "merge_hours")  # fmt: skip
    for name in positive:
        if not getattr(p, name) > 0:
            raise ConfigError(f"{where} {name}: must be positive")
    if p.min_port_distance_km < 0 or p.lateness_minutes < 0:
        raise ConfigError(f"{where}: distances and lateness must not be negative")
    if p.max_distance_m < 10.0:
        raise ConfigError(f"{where} max_distance_m: at least 10 m (AIS positions are not "
                          "better than that)")  # fmt: skip
    if p.min_run_minutes > p.min_minutes:
        raise ConfigError(f"{where} min_run_minutes: must not exceed min_minutes")
