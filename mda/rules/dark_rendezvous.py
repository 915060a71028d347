"""Dark rendezvous: a vessel lying slow where another one has just fallen silent.

Skylight's dark rendezvous is one vessel whose movement looks like a rendezvous while the
vessel it meets is not seen. Here the unseen vessel is one mda did see until it fell silent:
a vessel slow (under ``max_speed_kn``) for ``min_minutes`` within ``max_distance_m`` of where
another vessel last reported, after that one has been silent for ``silent_minutes``, away from
ports. The loiterer is heard at the spot, so the silence there is not a gap in coverage (as far
as one receiver's view of two ships can tell).

Why these defaults: ``max_distance_m`` is 2 km because the silent vessel's true position drifts
from its last report: closing the last mile at 3-4 knots takes 15-20 minutes, and ships
alongside lie within 500 m (the encounter distance) of each other. The silent vessel must have
been slow itself at its last report (``max_silent_speed_kn``): a ship passing at sea speed
that fades out of range is miles away half an hour later. Its silence must have begun no more
than ``max_arrival_minutes`` before the loiterer's slow spell there: a meeting, not a ship
lying where another vanished yesterday. A silent vessel stops being a candidate after
``max_dark_hours``. Only vessels with ``min_fixes`` reports count as fallen silent: a ship heard
once at the edge of range has not gone dark.

The alert is about the loiterer (``mmsi``) and names the silent vessel (``other_mmsi``). It
clears when the loiterer moves on or away, or the silent vessel is heard again; it is
retracted when the silent vessel turns out not to have been there: late reports show it
transmitting during the silence, or it reappears further away than it could have sailed.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from mda.errors import ConfigError
from mda.geo import KNOT_MS, distance_m
from mda.rules.base import (
    LATE_S,
    BatchView,
    Detection,
    admits,
    pruned_timers,
    vessel_label,
    zone_indices,
)
from mda.rules.proximity import PortDistance, fixes_in_scope, near_within
from mda.rules.settings import RuleSpec, detector_params
from mda.timefmt import iso
from mda.tracks import Tracks
from mda.zones.index import ZoneIndex

# Fastest plausible passage between where a vessel could have been and where it reappears
# (Global Fishing Watch's segmenter limit).
MAX_PLAUSIBLE_KN = 25.0


@dataclass(frozen=True, slots=True)
class DarkRendezvousParams:
    """Thresholds (Skylight: rendezvous-like movement for 15 min or more; slow is GFW's 2 kn)."""

    max_speed_kn: float = 2.0
    min_minutes: float = 30.0
    silent_minutes: float = 60.0
    max_distance_m: float = 2000.0
    max_arrival_minutes: float = 60.0
    max_silent_speed_kn: float = 5.0
    min_fixes: int = 5
    min_port_distance_km: float = 10.0
    max_dark_hours: float = 12.0


class _Vessel:
    """A vessel's last report and its current slow spell."""

    __slots__ = ("dark", "deadline", "fixes", "in_scope", "lat", "lon", "slow_since", "speed",
                 "time")  # fmt: skip

    def __init__(self) -> None:
        self.time = self.lat = self.lon = 0.0
        self.speed = math.nan  # at the last report
        self.fixes = 0
        self.slow_since: float | None = None
        self.in_scope = False
        self.deadline = math.inf  # when its timer (in the heap) is due
        self.dark = False  # silent long enough: its last position is a rendezvous spot


class _Meeting:
    """A loiterer near a silent vessel's last position."""

    __slots__ = ("active", "distance_m", "since", "spot")

    def __init__(self, since: float, spot: tuple[float, float, float]) -> None:
        self.since = since  # when the loiterer was slow there and the other silent
        self.spot = spot  # time, lat, lon of the silent vessel's last report
        self.distance_m = 0.0
        self.active = False


class DarkRendezvousRule:
    """Detects possible dark rendezvous; ``detector = "dark_rendezvous"``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.scope = spec.scope
        self.params = p = detector_params(DarkRendezvousParams, spec)
        for name in ("max_speed_kn", "min_minutes", "silent_minutes", "max_distance_m",
                     "max_dark_hours"):  # fmt: skip
            if not getattr(p, name) > 0:
                raise ConfigError(f"{spec.where} {name}: must be positive")
        if p.max_distance_m < 10.0:
            raise ConfigError(f"{spec.where} max_distance_m: at least 10 m")
        self.everywhere = "*" in self.scope.zones
        self.zones = zone_indices(index, self.scope.zones, spec.where)
        self.exclude = zone_indices(index, self.scope.exclude_zones, spec.where)
        self.ports = PortDistance(index.zones)
        self.vessels: dict[int, _Vessel] = {}
        self.meetings: dict[tuple[int, int], _Meeting] = {}  # (loiterer, silent) -> meeting
        self._timers: list[tuple[float, int]] = []  # (deadline, mmsi); stale ones skipped
        self._spots: tuple[list[int], np.ndarray, np.ndarray] | None = None  # cache

    # -- input --------------------------------------------------------------------------------

    def observe(self, view: BatchView) -> list[Detection]:
        """Note each vessel's last report and slow spell; find loiterers near silent spots."""
        fx = view.fixes
        if not len(fx):
            return []
        p = self.params
        scope = fixes_in_scope(view, self.everywhere, self.zones, self.exclude)
        speed = np.where(np.isfinite(fx.sog), fx.sog, fx.implied_kn)
        usable = ~fx.late
        fast = usable & (speed >= p.max_speed_kn)  # unknown speed does not break a slow spell
        # Per vessel: its first and last usable rows, its last fast row and the first usable
        # row after that (where its current slow spell began, if it began in this batch).
        starts = np.flatnonzero(fx.first_of_vessel)
        counts = np.diff(np.r_[starts, len(fx)])
        row = np.arange(len(fx))
        none, far = -1, len(fx)
        first = np.minimum.reduceat(np.where(usable, row, far), starts)
        last = np.maximum.reduceat(np.where(usable, row, none), starts)
        last_fast = np.maximum.reduceat(np.where(fast, row, none), starts)
        after = usable & (row > np.repeat(last_fast, counts))
        slow_from = np.minimum.reduceat(np.where(after, row, far), starts)
        n_usable = np.add.reduceat(usable.astype(np.int64), starts)
        out: list[Detection] = []
        touched: list[int] = []
        times, lats, lons = fx.time.tolist(), fx.lat.tolist(), fx.lon.tolist()
        speeds, scopes = speed.tolist(), scope.tolist()
        silent_s = p.silent_minutes * 60.0
        moving_kn = max(p.max_speed_kn, p.max_silent_speed_kn)
        engaged = {m for key in self.meetings for m in key}
        for m, f, e, lf, sf, n in zip(fx.mmsi[starts].tolist(), first.tolist(), last.tolist(),
                                      last_fast.tolist(), slow_from.tolist(), n_usable.tolist(),
                                      strict=True):  # fmt: skip
            if not n:
                continue
            v = self.vessels.get(m)
            if speeds[e] >= moving_kn and (v is None or not (v.dark or m in engaged)):
                # Under way at its last report: neither loitering nor a spot to meet at, so
                # nothing is kept for it (most of a fleet, most of the time).
                if v is not None:
                    del self.vessels[m]
                    self._spots = None
                continue
            if v is None:
                v = self.vessels[m] = _Vessel()
            was_dark = v.dark
            if was_dark:
                out += self._heard(m, v, f, e, view)
                self._spots = None  # it moved, or is no longer silent
            v.time, v.lat, v.lon = times[e], lats[e], lons[e]
            v.speed, v.in_scope = speeds[e], scopes[e]
            v.fixes += n
            if lf >= 0:
                v.slow_since = times[sf] if sf < far else None
            elif v.slow_since is None:
                v.slow_since = times[f]
            if v.deadline == math.inf or (was_dark and not v.dark):
                self._wait(m, v, v.time + silent_s)
            touched.append(m)
        return out + self._meet(touched, view.tracks)

    def _wait(self, m: int, v: _Vessel, deadline: float) -> None:
        """Look at a vessel again at ``deadline`` (earlier entries of it become stale)."""
        v.deadline = deadline
        heapq.heappush(self._timers, (deadline, m))

    def _meet(self, touched: list[int], tracks: Tracks) -> list[Detection]:
        """Start, advance or end the meetings of the vessels just heard."""
        p = self.params
        found: dict[tuple[int, int], float] = {}
        spots = self._spot_arrays()
        slow = [m for m in touched if (v := self.vessels[m]).slow_since is not None and v.in_scope]
        if slow and spots[0]:
            lat = np.array([self.vessels[m].lat for m in slow])
            lon = np.array([self.vessels[m].lon for m in slow])
            # Ports are looked up only for the few slow vessels near a silent one.
            a, b, d = near_within(lat, lon, spots[1], spots[2], p.max_distance_m)
            if len(a):
                in_port = self.ports.near(lat[a], lon[a], p.min_port_distance_km)
                a, b, d = a[~in_port], b[~in_port], d[~in_port]
            for i, j, dist in zip(a.tolist(), b.tolist(), d.tolist(), strict=True):
                if slow[i] != spots[0][j]:
                    found[(slow[i], spots[0][j])] = dist
        out: list[Detection] = []
        for key, dist in sorted(found.items()):
            started = self._advance(key, dist, tracks)
            if started is not None:
                out.append(started)
        touched_set = set(touched)
        for key in [k for k in self.meetings if k[0] in touched_set and k not in found]:
            out += self._end(key, self.vessels[key[0]].time, tracks, "moved on or away")
        return out

    def _advance(self, key: tuple[int, int], dist: float, tracks: Tracks) -> Detection | None:
        p = self.params
        loiterer, silent = self.vessels[key[0]], self.vessels[key[1]]
        meeting = self.meetings.get(key)
        if meeting is None:
            assert loiterer.slow_since is not None
            if loiterer.slow_since > silent.time + p.max_arrival_minutes * 60.0:
                return None  # came long after the other fell silent: not a meeting
            state = tracks.vessels.get(key[0])
            if state is None or not admits(self.scope, state):
                return None
            since = max(loiterer.slow_since, silent.time)
            meeting = self.meetings[key] = _Meeting(since, (silent.time, silent.lat, silent.lon))
        meeting.distance_m = dist
        if meeting.active or loiterer.time - meeting.since < p.min_minutes * 60.0:
            return None
        meeting.active = True
        return self._detection(key, meeting, loiterer.time, tracks)

    # -- silence --------------------------------------------------------------------------------

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """Vessels silent long enough become rendezvous spots; old spots and vessels long
        silent are dropped; a loiterer that falls silent ends its meetings."""
        p = self.params
        silent_s, dark_s = p.silent_minutes * 60.0, p.max_dark_hours * 3600.0
        out: list[Detection] = []
        timers = self._timers
        while timers and timers[0][0] <= watermark:
            deadline, m = heapq.heappop(timers)
            v = self.vessels.get(m)
            if v is None or deadline != v.deadline:
                continue  # forgotten, or a stale entry
            quiet = watermark - v.time
            if quiet < silent_s:
                self._wait(m, v, v.time + silent_s)  # heard since: wait from then
                continue
            if quiet >= dark_s:
                out += self._drop(m, watermark, tracks)
                continue
            for key in [k for k in self.meetings if k[0] == m]:
                out += self._end(key, watermark, tracks, "no position of it since")
            if not v.dark and self._could_be_met(v):
                v.dark = True
                self._spots = None
            self._wait(m, v, v.time + dark_s)
        return out

    def _could_be_met(self, v: _Vessel) -> bool:
        """Whether a silent vessel's last report can be a rendezvous spot."""
        p = self.params
        slow_enough = math.isnan(v.speed) or v.speed < p.max_silent_speed_kn
        if not (v.fixes >= p.min_fixes and v.in_scope and slow_enough):
            return False
        at = np.array([v.lat]), np.array([v.lon])
        return not bool(self.ports.near(*at, p.min_port_distance_km)[0])

    def _drop(self, m: int, now: float, tracks: Tracks) -> list[Detection]:
        """Forget a vessel silent for ``max_dark_hours``; meetings with it as the silent one end
        (its last position is too old to place it)."""
        out: list[Detection] = []
        for key in [k for k in self.meetings if m in k]:
            out += self._end(key, now, tracks, "the silent vessel's last position is too old")
        del self.vessels[m]
        self._spots = None
        return out

    def _heard(
        self, m: int, v: _Vessel, row: int, last: int, view: BatchView
    ) -> list[Detection]:
        """A silent vessel heard again (``row`` and ``last``: its first and last reports of
        the batch): late reports from within its silence, or back."""
        t = float(view.fixes.time[row])
        lat, lon = view.point(row)
        silent_s = self.params.silent_minutes * 60.0
        if t < view.watermark - LATE_S:
            # Late reports: the latest of them is the one nearest the silence's end (late
            # reports of a long outage come together, whatever the batches).
            t = float(view.fixes.time[last])
            if t <= v.time or view.watermark - t >= silent_s:
                return []  # the silence stands
            v.dark, self._spots = False, None
            return self._close_silent(m, t, view.tracks, disproved=True,
                                      why="late reports show it was transmitting")  # fmt: skip
        v.dark, self._spots = False, None
        out: list[Detection] = []
        for key in [k for k in self.meetings if k[1] == m]:
            meeting = self.meetings[key]
            _, s_lat, s_lon = meeting.spot
            gone_m = distance_m(s_lat, s_lon, lat, lon)
            # Had it been there at any time since the slow spell began, could it be here now?
            reach_m = self.params.max_distance_m + MAX_PLAUSIBLE_KN * KNOT_MS * max(
                0.0, t - meeting.since
            )
            hours = (t - v.time) / 3600.0
            if gone_m > reach_m:
                why = (f"it reappeared {gone_m / 1000:.0f} km away after {hours:.1f} h, too far "
                       "to have been there")  # fmt: skip
                out += self._end(key, t, view.tracks, why, disproved=True)
            else:
                why = f"it was heard again {gone_m / 1000:.1f} km away after {hours:.1f} h"
                out += self._end(key, t, view.tracks, why)
        return out

    def _close_silent(self, m: int, t: float, tracks: Tracks, *, disproved: bool,
                      why: str) -> list[Detection]:  # fmt: skip
        out: list[Detection] = []
        for key in [k for k in self.meetings if k[1] == m]:
            out += self._end(key, t, tracks, why, disproved=disproved)
        return out

    def _end(self, key: tuple[int, int], t: float, tracks: Tracks, why: str, *,
             disproved: bool = False) -> list[Detection]:  # fmt: skip
        meeting = self.meetings.pop(key)
        if not meeting.active:
            return []
        return [Detection(
            rule=self.scope.name, mmsi=key[0], zone_id=None, time=t, active=False,
            severity=self.scope.severity, started=meeting.since,
            message=f"possible dark rendezvous with {_label(tracks, key[1])} ended: {why}",
            disproved=disproved, other_mmsi=key[1],
        )]  # fmt: skip

    def _spot_arrays(self) -> tuple[list[int], np.ndarray, np.ndarray]:
        if self._spots is None:
            dark = [(m, v) for m, v in self.vessels.items() if v.dark]
            self._spots = (
                [m for m, _ in dark],
                np.array([v.lat for _, v in dark], dtype=np.float64),
                np.array([v.lon for _, v in dark], dtype=np.float64),
            )
        return self._spots

    def forget(self, mmsis: Iterable[int]) -> None:
        """Drop evicted vessels (long silent: their meetings ended before)."""
        gone = set(mmsis)
        for m in gone:
            self.vessels.pop(m, None)
        for key in [k for k in self.meetings if k[0] in gone or k[1] in gone]:
            del self.meetings[key]
        self._spots = None
        vessels = self.vessels

        def live(deadline: float, m: int) -> bool:
            v = vessels.get(m)
            return v is not None and v.deadline == deadline

        self._timers = pruned_timers(self._timers, live, len(vessels))

    # -- what an alert says --------------------------------------------------------------------

    def _detection(self, key: tuple[int, int], meeting: _Meeting, t: float,
                   tracks: Tracks) -> Detection:  # fmt: skip
        loiterer = self.vessels[key[0]]
        s_time, s_lat, s_lon = meeting.spot
        minutes = (t - meeting.since) / 60.0
        silent_h = (t - s_time) / 3600.0
        port = self.ports.nearest(loiterer.lat, loiterer.lon)
        speed = None if math.isnan(loiterer.speed) else round(loiterer.speed, 1)
        return Detection(
            rule=self.scope.name, mmsi=key[0], zone_id=None, time=t, active=True,
            severity=self.scope.severity, started=meeting.since,
            message=(
                f"possible dark rendezvous: {_label(tracks, key[0])} slow for {minutes:.0f} min "
                f"{meeting.distance_m:.0f} m from where {_label(tracks, key[1])} fell silent "
                f"{silent_h:.1f} h ago"
            ),
            evidence={
                "other_mmsi": key[1],
                "silent_since": iso(s_time),
                "silent_hours": round(silent_h, 2),
                "silent_lat": round(s_lat, 5),
                "silent_lon": round(s_lon, 5),
                "distance_to_silent_position_m": round(meeting.distance_m),
                "slow_since": iso(meeting.since),
                "slow_minutes": round(minutes, 1),
                "speed_knots": speed,
                "distance_to_port_km": None if port is None else round(port[0], 1),
                "nearest_port": None if port is None else port[1],
                "max_distance_m": self.params.max_distance_m,
            },
            lat=loiterer.lat, lon=loiterer.lon, other_mmsi=key[1],
        )  # fmt: skip


def _label(tracks: Tracks, m: int) -> str:
    state = tracks.vessels.get(m)
    return vessel_label(state) if state is not None else f"unnamed vessel (MMSI {m})"
