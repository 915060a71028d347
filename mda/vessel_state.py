"""What mda knows about one vessel: its segments' last fixes, static data and running figures.

State is kept small (no history list per vessel): the last fix of each segment, the last static
data, a few running figures the rules need, and the zones the vessel is in. ``mda.tracks``
advances it a batch at a time.
"""

from __future__ import annotations

import re
from array import array
from typing import Final, NamedTuple

from mda.ingest.flags import flag_of
from mda.model import Position, VesselStatic

# The recent track kept for alerts: a point every TRAIL_SPACING_S, the last TRAIL_POINTS.
TRAIL_POINTS: Final = 8
TRAIL_SPACING_S: Final = 450.0
# Reported speed is summarised per clock hour; the last few hourly means are a vessel's
# "usual" speed that a sudden loss of speed is measured against.
SPEED_HOUR_S: Final = 3600.0
SPEED_HOURS_KEPT: Final = 3

_NOT_TEXT = re.compile(r"[^A-Z0-9]+")


def identity_text(text: str) -> str:
    """A name or call sign as compared: its letters and digits in upper case, up to the first
    '@' (the ITU end of text), so padding, case, spacing and punctuation are not a change
    ("PEI YUH NO.6" is "PEI YUH NO6", "GUIHEYU33168" is "GUI HE YU33168": both pairs alternate
    in GFW's real reference data)."""
    return _NOT_TEXT.sub("", text.split("@", 1)[0].upper())


class IdentityChange(NamedTuple):
    """A static report that changed a vessel's name, call sign or IMO number."""

    mmsi: int
    item: str  # "shipname", "callsign" or "imo"
    old: str
    new: str
    time: float | None  # the report that says ``new``


class Segment:
    """One continuous track of a vessel: its last fix and running figures."""

    __slots__ = ("cog", "fixes", "heading", "id", "lat", "lon", "nav_status", "sog", "time")

    def __init__(self, seg_id: int, p: Position) -> None:
        self.id = seg_id
        self.time: float = p.time or 0.0
        self.lat: float = p.lat or 0.0
        self.lon: float = p.lon or 0.0
        self.sog = p.sog
        self.cog = p.cog
        self.heading = p.heading
        self.nav_status = p.nav_status  # as the last fix reported it (None: not reported)
        self.fixes = 1

    def advance(self, p: Position) -> None:
        """Make ``p`` this segment's last fix."""
        self.time = p.time or self.time
        self.lat = p.lat if p.lat is not None else self.lat
        self.lon = p.lon if p.lon is not None else self.lon
        self.sog = p.sog
        self.cog = p.cog
        self.heading = p.heading
        self.nav_status = p.nav_status
        self.fixes += 1


class VesselState:
    """All mda knows about one MMSI now."""

    __slots__ = (
        "callsign", "current", "destination", "hour", "hour_sog_n", "hour_sog_sum",
        "hourly_kn", "imo", "last_seen", "length_m", "mmsi", "next_segment", "segments",
        "ship_type", "shipname", "trail", "zone_sig", "zones",
    )  # fmt: skip

    def __init__(self, mmsi: int) -> None:
        self.mmsi = mmsi
        self.segments: list[Segment] = []
        self.current: Segment | None = None  # the segment of the latest fix
        self.next_segment = 0  # no segment id below this is free
        self.last_seen = 0.0
        self.shipname: str | None = None
        self.callsign: str | None = None
        self.imo: int | None = None
        self.ship_type: int | None = None
        self.length_m: int | None = None
        self.destination: str | None = None
        self.zones: frozenset[int] = frozenset()  # indexes of the zones of the latest fix
        self.zone_sig = 0  # their signature (see the pipeline's zone tracking)
        self.trail = array("d")  # time, lat, lon of recent points, oldest first
        self.hour = -1  # clock hour being summarised
        self.hour_sog_sum = 0.0
        self.hour_sog_n = 0
        self.hourly_kn: tuple[float, ...] = ()  # means of the last complete hours, latest last

    def segment_id(self, start: float) -> int:
        """The id of a segment starting at ``start``: its start in whole epoch seconds, so the
        same input gives the same ids in every run and every import (one more than the last
        id when two segments would start in the same second)."""
        seg_id = max(int(start // 1), self.next_segment)
        self.next_segment = seg_id + 1
        return seg_id

    @property
    def flag(self) -> str | None:
        """Flag state (ISO alpha-2) from the MMSI's MID."""
        return flag_of(self.mmsi)

    def usual_speed_kn(self) -> float | None:
        """The vessel's usual speed: the highest hourly mean of the last few hours."""
        return max(self.hourly_kn) if self.hourly_kn else None

    def recent_track(self) -> list[tuple[float, float, float]]:
        """(time, lat, lon) of recent points, oldest first."""
        t = self.trail
        return [(t[i], t[i + 1], t[i + 2]) for i in range(0, len(t), 3)]

    def add_trail_point(self, time: float, lat: float, lon: float) -> None:
        """Keep a point of the recent track if far enough in time from the last one."""
        t = self.trail
        if t and time - t[-3] < TRAIL_SPACING_S:
            return
        if len(t) >= 3 * TRAIL_POINTS:
            del t[:3]
        t.extend((time, lat, lon))

    def add_speed(self, hour: int, sog_sum: float, count: int) -> None:
        """Add reported speeds of one clock hour (hours arrive in order; older ones are late
        and ignored)."""
        if hour < self.hour:
            return
        if hour != self.hour:
            if self.hour_sog_n:
                mean = self.hour_sog_sum / self.hour_sog_n
                self.hourly_kn = (*self.hourly_kn[1 - SPEED_HOURS_KEPT :], mean)
            self.hour, self.hour_sog_sum, self.hour_sog_n = hour, 0.0, 0
        self.hour_sog_sum += sog_sum
        self.hour_sog_n += count

    def apply_static(self, s: VesselStatic) -> list[IdentityChange]:
        """Merge static data (partial reports keep the other fields); returns what changed
        of the vessel's identity (a first report changes nothing)."""
        changes = []
        for item, old, new in (
            ("shipname", self.shipname, s.shipname),
            ("callsign", self.callsign, s.callsign),
        ):
            if old is not None and new is not None and identity_text(old) != identity_text(new):
                changes.append(IdentityChange(self.mmsi, item, old, new, s.time))
        if self.imo is not None and s.imo is not None and self.imo != s.imo:
            changes.append(IdentityChange(self.mmsi, "imo", str(self.imo), str(s.imo), s.time))
        if s.shipname is not None:
            self.shipname = s.shipname
        if s.callsign is not None:
            self.callsign = s.callsign
        if s.imo is not None:
            self.imo = s.imo
        if s.ship_type is not None:
            self.ship_type = s.ship_type
        if s.to_bow is not None and s.to_stern is not None:
            self.length_m = s.to_bow + s.to_stern
        if s.destination is not None:
            self.destination = s.destination
        return changes
