"""A vessel's recent fixes, thinned, and the apparent fishing events in them.

Fishing is judged from movement over a window of time (speed bands, turning, straightness),
so the rules that need it keep a short history, but only for the few vessels they watch (in a
restricted zone, or moving at fishing speeds): most vessels never get one. Fixes are thinned to
one per ``thin_s`` (Global Fishing Watch thins its research table to one a minute) and kept for
``keep_s``, which bounds the memory of a watched vessel to a few kilobytes.
"""

from __future__ import annotations

from array import array
from typing import Final

import numpy as np
import numpy.typing as npt

from mda.activity.classify import FISHING, STATIONARY, ActivityParams, classify_track
from mda.activity.events import EventParams, FishingEvent, fishing_events
from mda.rules.fishing_evidence import StrongEvidenceParams, WorkingEvidence, working_evidence

NO_ZONE: Final = -1


class FishingTrack:
    """Thinned recent fixes of one vessel, each with the watched zone it is in (or none)."""

    __slots__ = ("cog", "lat", "lon", "sog", "time", "zone")

    def __init__(self) -> None:
        self.time = array("d")
        self.lat = array("d")
        self.lon = array("d")
        self.sog = array("d")  # NaN when not reported
        self.cog = array("d")
        self.zone = array("q")

    def __len__(self) -> int:
        return len(self.time)

    @property
    def last_time(self) -> float:
        """Time of the newest fix kept (0 when empty)."""
        return self.time[-1] if self.time else 0.0

    def add(
        self, t: float, lat: float, lon: float, sog: float, cog: float, zone: int,
        thin_s: float,
    ) -> None:  # fmt: skip
        """Keep a fix unless it is older than the last kept or too close to it in time.

        A fix in a zone after one outside it is always kept, so that the track knows when
        the vessel crossed in.
        """
        if self.time:
            gap = t - self.time[-1]
            if gap < 0 or (gap < thin_s and zone == self.zone[-1]):
                return
        self.time.append(t)
        self.lat.append(lat)
        self.lon.append(lon)
        self.sog.append(sog)
        self.cog.append(cog)
        self.zone.append(zone)

    def trim(self, horizon: float) -> None:
        """Forget fixes older than ``horizon``."""
        n = 0
        for t in self.time:
            if t >= horizon:
                break
            n += 1
        if n:
            for column in (self.time, self.lat, self.lon, self.sog, self.cog, self.zone):
                del column[:n]

    def zones(self) -> set[int]:
        """The watched zones of the fixes kept."""
        return set(self.zone) - {NO_ZONE}

    def activity(self, params: ActivityParams, gear: str | None) -> npt.NDArray[np.int8]:
        """The apparent activity of every fix kept."""
        return classify_track(
            np.frombuffer(self.time), np.frombuffer(self.lat), np.frombuffer(self.lon),
            np.frombuffer(self.sog), np.frombuffer(self.cog), gear=gear, params=params,
        )  # fmt: skip

    def events(
        self, activity: npt.NDArray[np.int8], zone: int | None, params: EventParams
    ) -> list[FishingEvent]:
        """Fishing events (GFW's rules) of the fixes in ``zone`` (None: of all fixes)."""
        fishing = activity == FISHING
        if zone is not None:
            fishing &= np.frombuffer(self.zone, dtype=np.int64) == zone
        if not fishing.any():
            return []
        return fishing_events(
            np.frombuffer(self.time), np.frombuffer(self.lat), np.frombuffer(self.lon),
            np.where(fishing, FISHING, STATIONARY).astype(np.int8), params,
        )  # fmt: skip

    def working(self, within: slice, params: StrongEvidenceParams) -> WorkingEvidence:
        """How the fixes ``within`` a slice of the track (an event's) worked gear."""
        return working_evidence(
            np.frombuffer(self.time)[within], np.frombuffer(self.lat)[within],
            np.frombuffer(self.lon)[within], params,
        )  # fmt: skip
