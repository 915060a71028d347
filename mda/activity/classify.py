"""Apparent activity of every position of one vessel's track: stationary, fishing or transit.

Judged from movement only, the way an analyst reads a track:

1. **Speed** of each fix: the reported speed over ground where known, else the speed implied
   by positions a minute or so apart (``motion.implied_speed_kn``).
2. **Windows** centred on each fix, in time and cut at silences of more than
   ``max_gap_minutes``: the mean speed over ``window_minutes`` either side, and turning over
   ``turning_window_minutes`` either side, as the **straightness** of the track (net
   displacement over distance sailed) or, where a course is reported, the **course
   steadiness** (length of the mean course vector), whichever shows more turning.
3. **Speed bands** on the window's mean speed: below ``stationary_max_kn`` the vessel is
   stationary; up to ``slow_fishing_max_kn`` it is fishing (hauling, dredging, working gear);
   up to ``fishing_max_kn`` it is fishing when turning (searching, zig-zag tows) or when its
   gear is towed (a trawl tows straight), else in slow transit; faster is transit.
4. **Smoothing**: a run shorter than ``min_run_minutes`` between two runs of the same
   activity takes their activity, so labels do not flicker at the edges of bands.
5. **Set gear** (pots, creels, gillnets; see ``gear``): positions moving at up to
   ``setting_max_kn`` within ``setting_minutes`` after fishing are fishing too: the gear just
   hauled is being set again.

The stationary limit (0.5 kn) is the usual "not under way" speed of AIS analyses; the other
speeds, the windows and the smoothing were chosen on the shared labelled tracks
(``bench/activity.py``) as round figures on a plateau of the score, not fitted to decimals.
Everything is pure and deterministic: same arrays in, same labels out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from mda.activity.gear import gear_kind
from mda.activity.motion import (
    Floats,
    Indexes,
    Pieces,
    implied_speed_kn,
    pieces,
    straightness,
    track_arrays,
    window,
    window_mean,
)

ACTIVITIES: Final = ("stationary", "fishing", "transit")
STATIONARY: Final = 0
FISHING: Final = 1
TRANSIT: Final = 2

Activities = npt.NDArray[np.int8]


@dataclass(frozen=True, slots=True)
class ActivityParams:
    """Thresholds of the classifier; speeds in knots, times in minutes."""

    # Under this mean speed a vessel is lying still, drifting or at anchor.
    stationary_max_kn: float = 0.5
    # Up to this mean speed, moving is working gear whatever the course.
    slow_fishing_max_kn: float = 2.0
    # Above this mean speed a vessel is in transit whatever the course.
    fishing_max_kn: float = 5.5
    # Between the two, a window whose straightness (or course steadiness) is under this is
    # turning: fishing; above it, a straight slow passage (unless the gear is towed).
    turning_max_straightness: float = 0.8
    # Half-width of the centred window of mean speed.
    window_minutes: float = 1.5
    # Half-width of the centred window in which turning is measured: long enough to hold
    # the turns of a search pattern or a zig-zag tow.
    turning_window_minutes: float = 5.0
    # Runs shorter than this between two runs of one activity take that activity.
    min_run_minutes: float = 3.0
    # A silence longer than this cuts the track: no window looks across it.
    max_gap_minutes: float = 30.0
    # Implied speed is measured over a chord of about this length.
    speed_span_seconds: float = 60.0
    # Set gear: moving at up to this speed this soon after fishing is setting the gear again.
    setting_minutes: float = 8.0
    setting_max_kn: float = 7.0


def classify_track(
    time: Floats,
    lat: Floats,
    lon: Floats,
    speed_kn: Floats | None = None,
    course: Floats | None = None,
    gear: str | None = None,
    params: ActivityParams = ActivityParams(),
) -> Activities:
    """The activity code (``STATIONARY``, ``FISHING``, ``TRANSIT``) of every position of one
    vessel's track, in the order given.

    Arrays are of equal length and sorted by ``time`` (epoch seconds); equal times are allowed.
    NaN in ``speed_kn`` (knots) or ``course`` (degrees) means not reported. A position whose
    movement cannot be measured at all (a lone fix without a reported speed) is ``TRANSIT``:
    mda claims fishing or stillness only on evidence.
    """
    time, lat, lon = track_arrays(time, lat, lon)
    n = len(time)
    if not n:
        return np.zeros(0, dtype=np.int8)
    p = params
    kind = gear_kind(gear)
    cut = pieces(time, p.max_gap_minutes * 60.0)
    speed = implied_speed_kn(time, lat, lon, p.speed_span_seconds, cut)
    if speed_kn is not None:
        reported = np.asarray(speed_kn, dtype=np.float64)
        speed = np.where(np.isfinite(reported), reported, speed)
    half = p.window_minutes * 60.0
    lo, hi = window(time, half, half, cut)
    mean_kn = window_mean(speed, lo, hi)
    turn_half = p.turning_window_minutes * 60.0
    turn_lo, turn_hi = window(time, turn_half, turn_half, cut)
    straight = straightness(time, lat, lon, window_mean(speed, turn_lo, turn_hi), turn_lo, turn_hi)
    if course is not None:
        straight = np.fmin(straight, course_steadiness(course, turn_lo, turn_hi))

    # In the band between slow work and transit: a trawl tows straight; set gear is only
    # hauled (slow) or set (after a haul, below); other fishing shows as turning.
    if kind == "towed":
        moderate_fishing = np.ones(n, dtype=bool)
    elif kind == "set":
        moderate_fishing = np.zeros(n, dtype=bool)
    else:
        moderate_fishing = straight < p.turning_max_straightness
    activity = np.full(n, TRANSIT, dtype=np.int8)
    activity[mean_kn < p.stationary_max_kn] = STATIONARY
    fishing = (mean_kn >= p.stationary_max_kn) & (
        (mean_kn < p.slow_fishing_max_kn) | ((mean_kn < p.fishing_max_kn) & moderate_fishing)
    )
    activity[fishing] = FISHING
    activity = _smoothed(activity, time, cut, p.min_run_minutes * 60.0)
    if kind == "set":
        activity = with_setting(activity, time, speed, cut, p)
    return activity


def course_steadiness(course: Floats, lo: Indexes, hi: Indexes) -> Floats:
    """Length of the mean unit vector of the reported courses in each window: 1 on a steady
    course, towards 0 when turning; NaN where no course is known."""
    rad = np.radians(np.asarray(course, dtype=np.float64))
    east = window_mean(np.sin(rad), lo, hi)
    north = window_mean(np.cos(rad), lo, hi)
    steadiness: Floats = np.hypot(east, north)
    return steadiness


def _runs(activity: Activities, cut: Pieces) -> tuple[Indexes, Indexes]:
    """First and one-past-last index of each run of one activity within one piece."""
    n = len(activity)
    starts_new = np.ones(n, dtype=bool)
    starts_new[1:] = (activity[1:] != activity[:-1]) | (cut.piece[1:] != cut.piece[:-1])
    starts = np.flatnonzero(starts_new)
    return starts, np.r_[starts[1:], n]


def _smoothed(activity: Activities, time: Floats, cut: Pieces, min_run_s: float) -> Activities:
    """Short runs between two runs of one activity take that activity, shortest first.

    Each pass merges every short run that is shorter than the short runs next to it (two
    neighbours never merge in one pass, since each would take the other's activity); merging
    only ever lengthens runs, so the passes end.
    """
    out = activity.copy()
    while True:
        starts, ends = _runs(out, cut)
        if len(starts) < 3:
            return out
        # A run lasts from its first fix to the next run's first fix (or its own last fix).
        duration = time[np.minimum(ends, len(out) - 1)] - time[starts]
        inner = np.zeros(len(starts), dtype=bool)
        inner[1:-1] = True
        before = np.maximum(starts - 1, 0)
        after = np.minimum(ends, len(out) - 1)
        inside = (cut.piece[before] == cut.piece[starts]) & (cut.piece[after] == cut.piece[starts])
        short = inner & inside & (out[before] == out[after]) & (duration < min_run_s)
        if not short.any():
            return out
        d = np.where(short, duration, np.inf)
        left = np.r_[np.inf, d[:-1]]
        right = np.r_[d[1:], np.inf]
        for k in np.flatnonzero(short & (d < left) & (d <= right)).tolist():
            out[starts[k] : ends[k]] = out[starts[k] - 1]


def with_setting(
    activity: Activities, time: Floats, speed_kn: Floats, cut: Pieces, p: ActivityParams
) -> Activities:
    """Set gear: fixes moving at setting speed soon after fishing are setting the gear."""
    index = np.arange(len(activity))
    fishing = activity == FISHING
    last_fishing = np.maximum.accumulate(np.where(fishing, index, -1))
    known = last_fishing >= 0
    since = np.where(known, time - time[np.maximum(last_fishing, 0)], np.inf)
    same_piece = known & (cut.piece[np.maximum(last_fishing, 0)] == cut.piece)
    setting = (
        (activity != FISHING)
        & same_piece
        & (since <= p.setting_minutes * 60.0)
        & (speed_kn <= p.setting_max_kn)
    )
    out = activity.copy()
    out[setting] = FISHING
    return out
