"""Apparent activity of one vessel's track from movement states fitted to that track.

Instead of speed thresholds fitted to a few labelled vessels, each track gets its own model:

1. **Features** of every fix: speed (reported where known, else implied by positions about a
   minute apart), as ``log(1 + kn)`` so slow speeds keep their detail; and **turning**, one
   minus the straightness of the track (or the steadiness of reported courses, whichever
   turns more) over a few minutes either side.
2. **States**: a Gaussian hidden Markov model with ``n_states`` states fitted to the track by
   Baum-Welch (``hmm``); each fix takes its state on the most likely path (Viterbi). The
   track's pieces, cut at silences, are separate sequences of one model.
3. **Naming** each state by its mean speed and turning, with the gear as the prior of what
   working speed looks like (``gear.fishing_speed``): under ``stationary_max_kn`` a state is
   lying still; inside the gear's band it is fishing (above the band's straight-from speed
   only when it turns); otherwise transit.
4. **Setting** (set gear): moving at up to ``setting_max_kn`` within
   ``setting_minutes`` after fishing is setting the gear hauled just before.
5. **Sets** (purse seines): a tight circle at speed and the slow hours of pursing after it.

Pure and deterministic: the fit starts from fixed values (no random restarts), so the same
track gives the same labels on every run.

Where the settings come from: the gear bands from gear descriptions (``gear``); the number of
states, the turning windows, the cruising rule and the setting rule (carried over from
``classify``) were chosen while looking at the shared labelled tracks, which ``bench.activity``
also scores: its figures on them are not a clean held-out measure.

The streaming rules (``mda.rules.fishing``) keep the windowed classifier (``classify``): they
judge a sliding window of recent fixes batch after batch, and a model refitted to each window
would relabel the past as the window moves (so depend on the batching) and cost a fit per
watched vessel per batch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mda.activity.classify import (
    FISHING,
    STATIONARY,
    TRANSIT,
    Activities,
    ActivityParams,
    course_steadiness,
    with_setting,
)
from mda.activity.gear import FishingSpeed, fishing_speed
from mda.activity.hmm import fit_hmm, most_likely_states
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


@dataclass(frozen=True, slots=True)
class AdaptiveParams:
    """Settings of the per-track model; speeds in knots, times in minutes."""

    n_states: int = 3
    # Under this mean speed a state is lying still (the usual "not under way" of AIS work).
    stationary_max_kn: float = 0.5
    # The fastest state is cruising (transit) when this fast and this many times the next.
    cruise_min_kn: float = 4.0
    cruise_ratio: float = 1.5
    # A state turns when its mean turning (1 - straightness) is over this.
    turning_min: float = 0.2
    # Half-width of the window in which turning is measured for the model: short, so that
    # the states follow changes of behaviour within minutes.
    turning_window_minutes: float = 2.5
    # Half-width of the window in which a state's turning is judged when it is named: long
    # enough to hold the turns of a search pattern or a zig-zag tow, whose straight legs
    # would otherwise make a state of their own that looks like a passage.
    naming_window_minutes: float = 5.0
    max_gap_minutes: float = 30.0
    speed_span_seconds: float = 60.0
    setting_minutes: float = 8.0
    setting_max_kn: float = 7.0
    iterations: int = 40
    # Purse seines: a circle shot at over this speed and this turning (1 - straightness over
    # the naming window), and pursing for at most this long after it.
    encircling_min_kn: float = 6.0
    encircling_min_turning: float = 0.5
    pursing_hours: float = 3.0


def track_features(
    time: Floats, lat: Floats, lon: Floats, speed_kn: Floats | None, course: Floats | None,
    p: AdaptiveParams,
) -> tuple[Floats, Floats, Floats]:  # fmt: skip
    """Speed (knots, NaN where unknown), turning (0 straight .. 1) and the piece starts."""
    cut = pieces(time, p.max_gap_minutes * 60.0)
    speed = implied_speed_kn(time, lat, lon, p.speed_span_seconds, cut)
    if speed_kn is not None:
        speed = np.where(np.isfinite(speed_kn), speed_kn, speed)
    half = p.turning_window_minutes * 60.0
    lo, hi = window(time, half, half, cut)
    straight = straightness(time, lat, lon, window_mean(speed, lo, hi), lo, hi)
    if course is not None:
        straight = np.fmin(straight, course_steadiness(course, lo, hi))
    # No movement to measure: as turning as a vessel can be (lying still, drifting).
    turning = np.where(np.isfinite(straight), 1.0 - straight, 1.0)
    starts = np.zeros(len(time), dtype=np.float64)
    starts[cut.first] = 1.0
    return speed, turning, starts


def name_states(
    mean_kn: Floats, mean_turning: Floats, prior: FishingSpeed, p: AdaptiveParams
) -> Activities:
    """The activity of each state from its mean speed and turning and the gear's prior.

    The track's own cruising speed comes first: its fastest state is transit when it is
    well clear of the others (``cruise_ratio`` times the next fastest moving state, and at
    least ``cruise_min_kn``), even inside the gear's band: a small boat that steams home at
    4.5 kn is not dredging at 4.5 kn because dredges may tow that fast.
    """
    named = np.full(len(mean_kn), TRANSIT, dtype=np.int8)
    working = (mean_kn >= prior.low_kn) & (mean_kn <= prior.high_kn)
    working &= (mean_kn < prior.straight_from_kn) | (mean_turning > p.turning_min)
    moving = np.flatnonzero(mean_kn >= p.stationary_max_kn)
    if len(moving) >= 2:
        by_speed = moving[np.argsort(mean_kn[moving], kind="stable")]
        fastest, next_fastest = int(by_speed[-1]), int(by_speed[-2])
        top = float(mean_kn[fastest])
        if top >= p.cruise_min_kn and top >= p.cruise_ratio * float(mean_kn[next_fastest]):
            working[fastest] = False
    named[working] = FISHING
    named[mean_kn < p.stationary_max_kn] = STATIONARY
    return named


def classify_track_adaptive(
    time: Floats,
    lat: Floats,
    lon: Floats,
    speed_kn: Floats | None = None,
    course: Floats | None = None,
    gear: str | None = None,
    params: AdaptiveParams = AdaptiveParams(),
) -> Activities:
    """The activity code (``STATIONARY``, ``FISHING``, ``TRANSIT``) of every position of one
    vessel's track sorted by time; same contract as ``classify.classify_track``."""
    time, lat, lon = track_arrays(time, lat, lon)
    n = len(time)
    if not n:
        return np.zeros(0, dtype=np.int8)
    p = params
    reported = None if speed_kn is None else np.asarray(speed_kn, dtype=np.float64)
    courses = None if course is None else np.asarray(course, dtype=np.float64)
    speed, turning, first = track_features(time, lat, lon, reported, courses, p)
    activity = np.full(n, TRANSIT, dtype=np.int8)
    known = np.flatnonzero(np.isfinite(speed))
    if not len(known):
        return activity
    obs = np.column_stack([np.log1p(np.maximum(speed[known], 0.0)), turning[known]])
    # A piece's first measurable fix starts a sequence.
    piece_id = np.cumsum(first)[known]
    starts = np.r_[True, piece_id[1:] != piece_id[:-1]]
    model = fit_hmm(obs, starts, p.n_states, p.iterations)
    states = most_likely_states(obs, starts, model)
    prior = fishing_speed(gear)
    mean_kn = np.expm1(model.means[:, 0])
    wide = dataclasses.replace(p, turning_window_minutes=p.naming_window_minutes)
    _, wide_turning, _ = track_features(time, lat, lon, reported, courses, wide)
    named = name_states(mean_kn, _state_means(wide_turning[known], states, p.n_states), prior, p)
    activity[known] = named[states]
    if prior.sets_after_hauling:
        # Gear is set at passage speed, but below the track's own cruising speed: the
        # fastest state, when it is transit, bounds the speed of setting (2 sd below it).
        cruise = int(np.argmax(model.means[:, 0]))
        limit = p.setting_max_kn
        if named[cruise] == TRANSIT:
            below = model.means[cruise, 0] - 2.0 * np.sqrt(model.variances[cruise, 0])
            limit = min(limit, float(np.expm1(below)))
        setting = ActivityParams(setting_minutes=p.setting_minutes, setting_max_kn=limit)
        cut = pieces(time, p.max_gap_minutes * 60.0)
        activity = with_setting(activity, time, speed, cut, setting)
    if prior.encircles:
        cut = pieces(time, p.max_gap_minutes * 60.0)
        activity = _with_sets(activity, time, speed, wide_turning, cut, p)
    return activity


def _with_sets(
    activity: Activities, time: Floats, speed: Floats, turning: Floats, cut: Pieces,
    p: AdaptiveParams,
) -> Activities:  # fmt: skip
    """Purse-seine sets: a tight circle at speed (the net shot round a school: fast, and over
    the naming window the track comes back on itself), then the slow hours of pursing and
    brailing until the vessel next gets under way."""
    encircling = (speed >= p.encircling_min_kn) & (turning >= p.encircling_min_turning)
    index = np.arange(len(activity))
    last = np.maximum.accumulate(np.where(encircling, index, -1))
    known = last >= 0
    since = np.where(known, time - time[np.maximum(last, 0)], np.inf)
    same_piece = known & (cut.piece[np.maximum(last, 0)] == cut.piece)
    slow = speed < p.encircling_min_kn
    # Pursing lasts until the vessel is next under way: the first fast fix once the circle
    # is closed (the last minutes of the circle itself are fast but turn less).
    under_way = ~slow & (since > p.setting_minutes * 60.0)
    moves = np.cumsum(under_way)
    moved_since: Indexes = moves - moves[np.maximum(last, 0)]
    pursing = same_piece & slow & (moved_since == 0) & (since <= p.pursing_hours * 3600.0)
    out = activity.copy()
    out[encircling | pursing] = FISHING
    return out


def _state_means(values: Floats, states: npt.NDArray[np.intp], n_states: int) -> Floats:
    """Mean of ``values`` over the fixes on each state (0 for a state no fix is on)."""
    sums = np.bincount(states, weights=values, minlength=n_states)
    counts = np.bincount(states, minlength=n_states)
    means: Floats = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return means
