"""Where each AIS vessel was at an image's time: interpolated between its fixes, or carried on
from the nearest one by its course and speed over a short gap, with how uncertain that is."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from mda.detections.model import AisFix
from mda.geo import KNOT_MS

# Metres in a degree of latitude: the matcher works within kilometres, where a local flat
# projection is good to well under a metre.
M_PER_DEG = 111_195.0


@dataclass(frozen=True, slots=True)
class PredictSettings:
    """How far AIS fixes may be from the image time, and how fast uncertainty grows."""

    max_gap_s: float = 3600.0  # no fix this close to the image time: nothing is predicted
    max_bracket_s: float = 3 * 3600.0  # interpolate only between fixes this close together
    # Per second of gap: a drift every vessel may have, plus a share of its speed (course and
    # speed change between reports).
    drift_ms: float = 0.2
    speed_error: float = 0.15
    # Per second of the shorter side of an interpolation: a share of the speed (the most a
    # vessel that turned between two fixes strays from the line joining them).
    turn_error: float = 0.3
    # A vessel that gave no speed or course: assumed possibly moving this fast.
    unknown_speed_ms: float = 5.0


@dataclass(frozen=True, slots=True)
class Prediction:
    """A vessel's estimated position at a time, its velocity and the uncertainty of both."""

    mmsi: int
    time: float
    lat: float
    lon: float
    north_ms: float
    east_ms: float
    sigma_m: float  # one standard deviation of the position from motion alone
    gap_s: float  # to the nearest fix used
    interpolated: bool
    length_m: float | None = None


def tracks_of(fixes: Iterable[AisFix]) -> dict[int, list[AisFix]]:
    """Fixes by vessel, each vessel's in time order (ties by position, so input order of equal
    fixes does not matter)."""
    tracks: dict[int, list[AisFix]] = {}
    for fix in fixes:
        tracks.setdefault(fix.mmsi, []).append(fix)
    for track in tracks.values():
        track.sort(key=lambda f: (f.time, f.lat, f.lon, f.sog or 0.0, f.cog or 0.0))
    return dict(sorted(tracks.items()))


def _east_m(lat: float, lon_from: float, lon_to: float) -> float:
    dlon = (lon_to - lon_from + 540.0) % 360.0 - 180.0
    return dlon * M_PER_DEG * math.cos(math.radians(lat))


def _moved(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    new_lat = lat + north_m / M_PER_DEG
    new_lon = lon + east_m / (M_PER_DEG * max(math.cos(math.radians(lat)), 1e-6))
    return new_lat, (new_lon + 540.0) % 360.0 - 180.0


def predict(
    mmsi: int, track: Sequence[AisFix], t: float, settings: PredictSettings,
    length_m: float | None = None,
) -> Prediction | None:  # fmt: skip
    """The vessel's position at ``t`` from its time-ordered ``track``, or None when no fix is
    within ``max_gap_s`` of ``t``."""
    times = [f.time for f in track]
    after = bisect.bisect_right(times, t)
    before = track[after - 1] if after > 0 else None
    following = track[after] if after < len(track) else None
    if (
        before is not None and following is not None
        and following.time - before.time <= settings.max_bracket_s
        and min(t - before.time, following.time - t) <= settings.max_gap_s
        and following.time > before.time
    ):  # fmt: skip
        span = following.time - before.time
        share = (t - before.time) / span
        north = (following.lat - before.lat) * M_PER_DEG
        east = _east_m(before.lat, before.lon, following.lon)
        lat, lon = _moved(before.lat, before.lon, share * north, share * east)
        gap = min(t - before.time, following.time - t)
        # The chord understates the speed of a vessel that turned between the fixes; its
        # reported speed does not.
        reported = [f.sog * KNOT_MS for f in (before, following) if f.sog is not None]
        speed = max([math.hypot(north, east) / span, *reported])
        # A straight passage interpolates exactly; the error is a turn between the fixes.
        sigma = gap * (settings.drift_ms + settings.turn_error * speed)
        return Prediction(mmsi, t, lat, lon, north / span, east / span, sigma, gap, True,
                          length_m)  # fmt: skip
    nearest = min(
        (f for f in (before, following) if f is not None),
        key=lambda f: abs(t - f.time), default=None,
    )  # fmt: skip
    if nearest is None or abs(t - nearest.time) > settings.max_gap_s:
        return None
    dt = t - nearest.time
    if nearest.sog is not None and nearest.cog is not None:
        speed = nearest.sog * KNOT_MS
        north_ms = speed * math.cos(math.radians(nearest.cog))
        east_ms = speed * math.sin(math.radians(nearest.cog))
        spread = settings.drift_ms + settings.speed_error * speed
    else:
        north_ms = east_ms = 0.0
        spread = settings.drift_ms + settings.unknown_speed_ms
    lat, lon = _moved(nearest.lat, nearest.lon, north_ms * dt, east_ms * dt)
    return Prediction(mmsi, t, lat, lon, north_ms, east_ms, abs(dt) * spread, abs(dt), False,
                      length_m)  # fmt: skip


def predict_all(
    tracks: Mapping[int, Sequence[AisFix]], t: float, settings: PredictSettings,
    lengths: Mapping[int, float] | None = None,
) -> list[Prediction]:  # fmt: skip
    """Every vessel with a fix near ``t``, predicted at ``t``, in MMSI order."""
    lengths = lengths or {}
    found = (predict(mmsi, tracks[mmsi], t, settings, lengths.get(mmsi)) for mmsi in sorted(tracks))
    return [p for p in found if p is not None]
