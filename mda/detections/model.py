"""Records of satellite vessel detections and of their match against AIS.

Times are epoch seconds (UTC), positions WGS 84 degrees, lengths metres. A detection is one
object a satellite saw in one scene (a radar or optical image taken at one instant); the
matcher decides whether an AIS vessel explains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Detection:
    """One object seen in one scene: GFW's SAR fields, or the same from another source."""

    scene_id: str
    detect_id: str
    time: float
    lat: float
    lon: float
    length_m: float | None = None
    # How sure the detector is that something is there (GFW's presence score, 0..1).
    score: float | None = None


@dataclass(frozen=True, slots=True)
class AisFix:
    """One AIS position report, as the store holds it."""

    mmsi: int
    time: float
    lat: float
    lon: float
    sog: float | None = None  # knots
    cog: float | None = None  # degrees from north


class MatchStatus(StrEnum):
    """What the matcher made of a detection."""

    MATCHED = "matched"  # an AIS vessel explains it
    UNMATCHED = "unmatched"  # no AIS vessel near it at the image time: a dark-vessel candidate
    INFRASTRUCTURE = "infrastructure"  # a fixed object (platform, turbine, buoy)


@dataclass(frozen=True, slots=True)
class Match:
    """A detection and what explains it; the measurements are those of the chosen vessel."""

    detection: Detection
    status: MatchStatus
    mmsi: int | None = None
    distance_m: float | None = None  # detection to the vessel's predicted position
    gap_s: float | None = None  # from the image time to the AIS fix the prediction rests on
    ais_length_m: float | None = None
    cost: float | None = None  # the assignment's cost (lower is a better fit)
    # The nearest AIS vessel predicted at the image time, whether or not it was chosen: the
    # evidence beside a dark-vessel candidate.
    nearest_mmsi: int | None = None
    nearest_m: float | None = None
    infrastructure: str | None = None  # the fixed object's name when known, or "repeat"
