"""Fishing events: runs of apparently fishing positions, built the way Global Fishing Watch
builds its published fishing events (pipe-events, ``fishing-events-*.sql.j2``).

1. Consecutive fishing positions form a run; a run is split where two consecutive fishing
   positions are more than 10 km or more than 2 h apart.
2. Runs separated only by non-fishing positions are joined when the gap between them is
   within 1 h and 2 km. (GFW's SQL measures that distance between the two runs' first
   positions; the gap itself is measured here, as DETECTIONS.md states the rule, so a long
   run interrupted briefly is joined however far it had gone.)
3. An event is kept only when it lasts more than 20 min, has more than 5 positions, travelled
   more than 0.5 km and its mean speed is under 10 kn (GFW keeps ``> 1200 s``, ``> 5``,
   ``> 500 m``, ``< 10 kn``; boundaries are dropped).

An event's positions are its fishing positions only; its distance is the sum of each of them
(but the first) from the position before it in the track, and its mean speed is that distance
over the time those legs took, as GFW sums ``meters_to_prev`` and ``hours``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mda.activity.classify import FISHING
from mda.activity.motion import Floats, great_circle_m, mean_point
from mda.geo import KNOT_MS


@dataclass(frozen=True, slots=True)
class EventParams:
    """GFW's event rules (pipe-events); distances in km, times in hours."""

    split_km: float = 10.0
    split_hours: float = 2.0
    join_km: float = 2.0
    join_hours: float = 1.0
    min_minutes: float = 20.0
    min_positions: int = 6  # GFW: more than 5
    min_distance_km: float = 0.5  # 0.05 for squid jiggers
    max_mean_speed_kn: float = 10.0


@dataclass(frozen=True, slots=True)
class FishingEvent:
    """One apparent fishing event of a track; indexes are into the arrays given."""

    start: float  # epoch seconds of the first fishing position
    end: float  # epoch seconds of the last
    positions: int
    distance_km: float
    mean_speed_kn: float
    lat_mean: float
    lon_mean: float
    first_index: int
    last_index: int

    @property
    def duration_hours(self) -> float:
        """Hours from the first to the last fishing position."""
        return (self.end - self.start) / 3600.0


def fishing_events(
    time: Floats,
    lat: Floats,
    lon: Floats,
    activity: npt.NDArray[np.int8],
    params: EventParams = EventParams(),
) -> list[FishingEvent]:
    """The fishing events of one vessel's track (arrays sorted by time), oldest first."""
    time = np.asarray(time, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    fishing = np.flatnonzero(np.asarray(activity) == FISHING)
    if not len(fishing):
        return []
    # Each position's leg from the position before it in the track (0 for the first).
    leg_m = np.zeros(len(time))
    leg_s = np.zeros(len(time))
    leg_m[1:] = great_circle_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    leg_s[1:] = np.diff(time)

    runs = _runs(fishing, time, lat, lon, params)
    events = []
    for members in _joined(runs, time, lat, lon, params):
        event = _event(members, time, lat, lon, leg_m, leg_s)
        if _kept(event, params):
            events.append(event)
    return events


def _runs(
    fishing: npt.NDArray[np.intp], time: Floats, lat: Floats, lon: Floats, p: EventParams
) -> list[npt.NDArray[np.intp]]:
    """Fishing positions grouped into runs of consecutive positions, split where two are too
    far apart in space or time."""
    prev, cur = fishing[:-1], fishing[1:]
    apart_m = great_circle_m(lat[prev], lon[prev], lat[cur], lon[cur])
    starts_new = (
        (cur != prev + 1)
        | (apart_m > p.split_km * 1000.0)
        | (time[cur] - time[prev] > p.split_hours * 3600.0)
    )
    return np.split(fishing, np.flatnonzero(starts_new) + 1)


def _joined(
    runs: list[npt.NDArray[np.intp]], time: Floats, lat: Floats, lon: Floats, p: EventParams
) -> list[npt.NDArray[np.intp]]:
    """Runs merged across short breaks of non-fishing positions."""
    out = [runs[0]]
    for run in runs[1:]:
        last, first = out[-1][-1], run[0]
        gap_m = great_circle_m(lat[last], lon[last], lat[first], lon[first])
        broken_by_others = first != last + 1  # a split run stays split
        if (
            broken_by_others
            and time[first] - time[last] <= p.join_hours * 3600.0
            and float(gap_m) <= p.join_km * 1000.0
        ):
            out[-1] = np.concatenate((out[-1], run))
        else:
            out.append(run)
    return out


def _event(
    members: npt.NDArray[np.intp], time: Floats, lat: Floats, lon: Floats, leg_m: Floats,
    leg_s: Floats,
) -> FishingEvent:  # fmt: skip
    legs = members[1:]
    distance_m = float(leg_m[legs].sum())
    seconds = float(leg_s[legs].sum())
    mean_lat, mean_lon = mean_point(lat[members], lon[members])
    return FishingEvent(
        start=float(time[members[0]]),
        end=float(time[members[-1]]),
        positions=len(members),
        distance_km=distance_m / 1000.0,
        mean_speed_kn=distance_m / seconds / KNOT_MS if seconds > 0 else 0.0,
        lat_mean=mean_lat,
        lon_mean=mean_lon,
        first_index=int(members[0]),
        last_index=int(members[-1]),
    )


def _kept(e: FishingEvent, p: EventParams) -> bool:
    return (
        e.end - e.start > p.min_minutes * 60.0
        and e.positions >= p.min_positions
        and e.distance_km > p.min_distance_km
        and e.mean_speed_kn < p.max_mean_speed_kn
    )
