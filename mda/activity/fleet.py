"""Activity and fishing events of many vessels at once: rows of any order in, per-row labels
and per-vessel events out. Each track is classified by a model fitted to that track alone
(``adaptive``); a vessel whose broadcast ship type is not a fishing one (``ship_type``) is never
labelled fishing. Pure: the readers and writers around it do the I/O."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mda.activity.adaptive import AdaptiveParams, classify_track_adaptive
from mda.activity.classify import FISHING, TRANSIT
from mda.activity.events import EventParams, FishingEvent, fishing_events
from mda.activity.motion import Floats
from mda.activity.ship_type import FISHING_TYPE, may_fish

# Activity of a row that could not be classified (no usable time or position).
UNCLASSIFIED = -1
DEFAULT_ACTIVITY = AdaptiveParams()
DEFAULT_EVENTS = EventParams()


@dataclass(frozen=True, slots=True)
class VesselEvent:
    """A fishing event of one vessel; its indexes are rows of the input."""

    vessel: str
    event: FishingEvent


@dataclass(frozen=True, slots=True)
class FleetActivity:
    """Each row's activity code (``UNCLASSIFIED`` for unusable rows) and the fishing events."""

    activity: npt.NDArray[np.int8]
    events: list[VesselEvent]
    vessels: int

    @property
    def unclassified(self) -> int:
        """Rows without a usable time or position."""
        return int(np.count_nonzero(self.activity == UNCLASSIFIED))


def classify_fleet(
    vessel: Sequence[str],
    time: Floats,
    lat: Floats,
    lon: Floats,
    speed_kn: Floats | None = None,
    course: Floats | None = None,
    gear: Sequence[str | None] | None = None,
    params: AdaptiveParams = DEFAULT_ACTIVITY,
    event_params: EventParams = DEFAULT_EVENTS,
    ship_type: Sequence[int | None] | None = None,
) -> FleetActivity:
    """Classify every row, one vessel's track at a time (rows sorted by time within each
    vessel, ties kept in input order). A vessel's gear is the first gear given on its rows
    (for a vessel of AIS type 30 without one, a trawl); its ship type the last one given.
    A vessel of a non-fishing type moving like a fishing boat is in transit (under way, not
    fishing)."""
    time = np.asarray(time, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    n = len(time)
    activity = np.full(n, UNCLASSIFIED, dtype=np.int8)
    usable = (
        np.isfinite(time)
        & np.isfinite(lat)
        & np.isfinite(lon)
        & (np.abs(lat) <= 90.0)
        & (np.abs(lon) <= 180.0)
    )
    rows = np.flatnonzero(usable)
    names, codes = np.unique(
        np.asarray(vessel, dtype=object)[rows].astype(str), return_inverse=True
    )
    by_vessel = np.lexsort((time[rows], codes))  # stable: equal times keep input order
    order = rows[by_vessel]
    codes = codes[by_vessel]
    bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True]).tolist()
    events: list[VesselEvent] = []
    for s, e in itertools.pairwise(bounds if len(rows) else []):
        track = order[s:e]
        ship_type_of = _ship_type_of(ship_type, track)
        labels = classify_track_adaptive(
            time[track],
            lat[track],
            lon[track],
            None if speed_kn is None else np.asarray(speed_kn, dtype=np.float64)[track],
            None if course is None else np.asarray(course, dtype=np.float64)[track],
            _gear_of(gear, track) or _gear_of_type(ship_type_of),
            params,
        )
        if not may_fish(ship_type_of):
            labels = np.where(labels == FISHING, TRANSIT, labels).astype(np.int8)
        activity[track] = labels
        name = str(names[codes[s]])
        for found in fishing_events(time[track], lat[track], lon[track], labels, event_params):
            in_rows = dataclasses.replace(
                found,
                first_index=int(track[found.first_index]),
                last_index=int(track[found.last_index]),
            )
            events.append(VesselEvent(name, in_rows))
    events.sort(key=lambda v: (v.event.start, v.vessel))
    return FleetActivity(activity, events, len(names))


def _gear_of(gear: Sequence[str | None] | None, track: npt.NDArray[np.intp]) -> str | None:
    if gear is None:
        return None
    for row in track.tolist():
        hint = gear[row]
        if hint:
            return str(hint)
    return None


def _ship_type_of(types: Sequence[int | None] | None, track: npt.NDArray[np.intp]) -> int | None:
    if types is None:
        return None
    known = [t for t in (types[row] for row in track.tolist()) if t]
    return known[-1] if known else None


def _gear_of_type(ship_type: int | None) -> str | None:
    """A gear prior for a vessel that says only "fishing vessel" (type 30), as the fishing
    rules use it: most fishing vessels that carry AIS are trawlers, which tow straight at
    2-5 kn; a fishing vessel on passage steams faster than that."""
    return "trawl" if ship_type == FISHING_TYPE else None
