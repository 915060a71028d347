"""Movement measures of one vessel's track, as arrays: pure numpy, no I/O.

A track is cut into pieces at gaps; every measure looks only inside its own piece, so a vessel
that fell silent for hours is never judged by a straight line drawn across the silence. Windows
are in time, not in positions, so the same settings hold for a GPS logger every 20 s, an
observer's track every minute and AIS at whatever rate it was heard.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mda.geo import KNOT_MS, haversine_m

Floats = npt.NDArray[np.float64]
Indexes = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Pieces:
    """The gap-free pieces of a track: each fix's piece and that piece's first and last fix."""

    piece: Indexes
    first: Indexes
    last: Indexes


def track_arrays(time: Floats, lat: Floats, lon: Floats) -> tuple[Floats, Floats, Floats]:
    """A track's columns as float arrays, checked: equal lengths, sorted by time."""
    t = np.asarray(time, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    x = np.asarray(lon, dtype=np.float64)
    if len(y) != len(t) or len(x) != len(t):
        raise ValueError("time, lat and lon must be of equal length")
    if len(t) > 1 and bool(np.any(np.diff(t) < 0)):
        raise ValueError("the track must be sorted by time")
    return t, y, x


def pieces(time: Floats, max_gap_s: float) -> Pieces:
    """Cut a time-sorted track where consecutive fixes are more than ``max_gap_s`` apart."""
    n = len(time)
    starts_new = np.ones(n, dtype=bool)
    starts_new[1:] = np.diff(time) > max_gap_s
    piece = np.cumsum(starts_new) - 1
    starts = np.flatnonzero(starts_new)
    ends = np.r_[starts[1:], n] - 1
    return Pieces(piece, starts[piece], ends[piece])


def window(time: Floats, before_s: float, after_s: float, p: Pieces) -> tuple[Indexes, Indexes]:
    """For every fix, the first and last fix of its piece within [t - before, t + after],
    widened to at least the fix before and after (sparse tracks still get a window)."""
    i = np.arange(len(time))
    lo = np.searchsorted(time, time - before_s, side="left")
    hi = np.searchsorted(time, time + after_s, side="right") - 1
    lo = np.maximum(np.minimum(lo, i - 1), p.first)
    hi = np.minimum(np.maximum(hi, i + 1), p.last)
    return lo, hi


def great_circle_m(lat1: Floats, lon1: Floats, lat2: Floats, lon2: Floats) -> Floats:
    """Distances in metres, elementwise."""
    return haversine_m(lat1, lon1, lat2, lon2)


def implied_speed_kn(time: Floats, lat: Floats, lon: Floats, span_s: float, p: Pieces) -> Floats:
    """Speed over ground from positions: the chord between the fixes about ``span_s / 2``
    either side (at least the neighbours), over the time between them.

    A chord of a minute or more rather than fix-to-fix: GPS scatter of a few metres between
    fixes 20 s apart would read as half a knot on a vessel lying still. NaN where the fixes
    around have no time between them (a lone fix, or duplicates only).
    """
    lo, hi = window(time, span_s / 2, span_s / 2, p)
    dt = time[hi] - time[lo]
    dist = great_circle_m(lat[lo], lon[lo], lat[hi], lon[hi])
    with np.errstate(divide="ignore", invalid="ignore"):
        speed: Floats = np.where(dt > 0, dist / dt / KNOT_MS, np.nan)
    return speed


def window_mean(values: Floats, lo: Indexes, hi: Indexes) -> Floats:
    """Mean of the known (finite) values in each window; NaN where none is known."""
    known = np.isfinite(values)
    sums = np.r_[0.0, np.cumsum(np.where(known, values, 0.0))]
    counts = np.r_[0, np.cumsum(known)]
    n = counts[hi + 1] - counts[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean: Floats = np.where(n > 0, (sums[hi + 1] - sums[lo]) / n, np.nan)
    return mean


def straightness(
    time: Floats, lat: Floats, lon: Floats, speed_kn: Floats, lo: Indexes, hi: Indexes
) -> Floats:
    """Net displacement across each window over the distance sailed in it (mean speed times
    duration): 1 on a straight course, towards 0 when turning back and forth.

    The distance sailed comes from speed rather than from summing fix-to-fix steps, so GPS
    scatter does not make a straight track look tortuous at high fix rates. NaN where the
    window has no duration or no movement.
    """
    net = great_circle_m(lat[lo], lon[lo], lat[hi], lon[hi])
    sailed = speed_kn * KNOT_MS * (time[hi] - time[lo])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio: Floats = np.where(sailed > 0, np.minimum(net / sailed, 1.0), np.nan)
    return ratio


def mean_point(lat: Floats, lon: Floats) -> tuple[float, float]:
    """The spherical centroid of points (right across the antimeridian too)."""
    phi, lam = np.radians(lat), np.radians(lon)
    x = float(np.mean(np.cos(phi) * np.cos(lam)))
    y = float(np.mean(np.cos(phi) * np.sin(lam)))
    z = float(np.mean(np.sin(phi)))
    return (
        float(np.degrees(np.arctan2(z, np.hypot(x, y)))),
        float(np.degrees(np.arctan2(y, x))),
    )
