"""The per-track model of ``mda activity``: a Gaussian HMM fitted to each track (pure numpy,
deterministic), its states named by speed and turning with the gear as a prior."""

from __future__ import annotations

import numpy as np
import pytest

from mda.activity import FISHING, STATIONARY, TRANSIT
from mda.activity.adaptive import AdaptiveParams, classify_track_adaptive, name_states
from mda.activity.fleet import classify_fleet
from mda.activity.gear import DREDGE, LONGLINE, PURSE_SEINE, SET_GEAR, TRAWL, UNKNOWN, fishing_speed
from mda.activity.hmm import fit_hmm, most_likely_states
from tests.test_activity import T0, share, track, zigzag

# --- the model -----------------------------------------------------------------------------


def two_regimes() -> tuple[np.ndarray, np.ndarray]:
    """Observations of two regimes (means 0 and 3, unit spread), 200 steps each, twice."""
    rng = np.random.default_rng(11)
    truth = np.r_[np.zeros(200), np.ones(200), np.zeros(200), np.ones(200)].astype(int)
    obs = (truth * 3.0 + rng.normal(0.0, 1.0, len(truth)))[:, None]
    return obs, truth


def test_the_fit_finds_the_regimes_and_the_path_follows_them() -> None:
    obs, truth = two_regimes()
    starts = np.zeros(len(obs), dtype=bool)
    starts[0] = True
    model = fit_hmm(obs, starts, 2)
    assert model.means[:, 0] == pytest.approx([0.0, 3.0], abs=0.2)
    assert np.diag(model.transitions) == pytest.approx([0.995, 0.995], abs=0.01)
    path = most_likely_states(obs, starts, model)
    assert np.mean(path == truth) >= 0.99


def test_sequences_are_decoded_on_their_own() -> None:
    obs, _ = two_regimes()
    starts = np.zeros(len(obs), dtype=bool)
    starts[[0, 300]] = True
    model = fit_hmm(obs, starts, 2)
    path = most_likely_states(obs, starts, model)
    first = np.zeros(300, dtype=bool)
    first[0] = True
    second = np.zeros(len(obs) - 300, dtype=bool)
    second[0] = True
    assert path[:300].tolist() == most_likely_states(obs[:300], first, model).tolist()
    assert path[300:].tolist() == most_likely_states(obs[300:], second, model).tolist()


def test_the_fit_is_the_same_on_every_run() -> None:
    obs, _ = two_regimes()
    starts = np.zeros(len(obs), dtype=bool)
    starts[0] = True
    a, b = fit_hmm(obs, starts, 3), fit_hmm(obs, starts, 3)
    assert a.means.tobytes() == b.means.tobytes()
    assert a.transitions.tobytes() == b.transitions.tobytes()


# --- naming the states ---------------------------------------------------------------------


def test_gear_hints_give_their_working_speeds() -> None:
    assert fishing_speed("bottom trawl (OTB)") is TRAWL
    assert fishing_speed("dredge") is DREDGE
    assert fishing_speed("pots") is SET_GEAR
    assert fishing_speed("creel") is SET_GEAR
    assert fishing_speed("drifting longlines") is LONGLINE
    assert fishing_speed("purse seine") is PURSE_SEINE
    assert fishing_speed(None) is UNKNOWN
    assert fishing_speed("30") is UNKNOWN


def test_states_are_named_by_speed_turning_and_the_gear() -> None:
    p = AdaptiveParams()
    turning = np.array([0.5, 0.05, 0.05])
    # Still, straight at 3.5 kn, straight at 10 kn: a trawler tows at 3.5 kn ...
    kn = np.array([0.2, 3.5, 10.0])
    assert name_states(kn, turning, TRAWL, p).tolist() == [STATIONARY, FISHING, TRANSIT]
    # ... an unknown gear going straight at 3.5 kn is on passage.
    assert name_states(kn, turning, UNKNOWN, p).tolist() == [STATIONARY, TRANSIT, TRANSIT]
    # Hauling at 1.1 kn, steaming home at 4.8 kn: inside the dredge's band, but the track's
    # own cruising speed, well clear of its working speed.
    kn = np.array([1.1, 1.7, 4.8])
    assert name_states(kn, turning, DREDGE, p).tolist() == [FISHING, FISHING, TRANSIT]
    # A dredger whose fastest state is a tow only a little faster than the others.
    kn = np.array([1.1, 2.5, 3.2])
    assert name_states(kn, turning, DREDGE, p).tolist() == [FISHING, FISHING, FISHING]


# --- whole tracks --------------------------------------------------------------------------


@pytest.mark.parametrize("every_s", [20.0, 60.0])
def test_straight_passage_drift_and_zigzag_tow(every_s: float) -> None:
    t, lat, lon = track([(90.0, 10.0, 60.0)], every_s)
    assert set(classify_track_adaptive(t, lat, lon).tolist()) == {TRANSIT}
    t, lat, lon = track([(45.0, 0.1, 60.0)], every_s)
    assert set(classify_track_adaptive(t, lat, lon).tolist()) == {STATIONARY}
    t, lat, lon = track(zigzag(3.0, 60.0), every_s)
    assert share(classify_track_adaptive(t, lat, lon), FISHING) >= 0.9


def test_a_trip_out_fishing_and_home_is_labelled_phase_by_phase() -> None:
    legs = [(90.0, 9.0, 40.0), *zigzag(3.0, 60.0), (270.0, 9.0, 40.0)]
    t, lat, lon = track(legs, 30.0)
    activity = classify_track_adaptive(t, lat, lon)
    minutes = (t - T0) / 60
    assert set(activity[minutes < 38].tolist()) == {TRANSIT}
    assert share(activity[(minutes > 42) & (minutes < 98)], FISHING) >= 0.95
    assert set(activity[minutes > 102].tolist()) == {TRANSIT}


def test_a_straight_tow_is_fishing_for_a_trawler_and_a_passage_otherwise() -> None:
    legs = [(90.0, 10.0, 30.0), (0.0, 3.5, 90.0), (270.0, 10.0, 30.0)]
    t, lat, lon = track(legs, 30.0)
    minutes = (t - T0) / 60
    tow = (minutes > 35) & (minutes < 115)
    trawler = classify_track_adaptive(t, lat, lon, gear="trawl")
    assert share(trawler[tow], FISHING) >= 0.95
    assert share(classify_track_adaptive(t, lat, lon)[tow], TRANSIT) >= 0.95


def test_setting_creels_after_hauling_is_fishing_but_steaming_off_is_not() -> None:
    legs = [(0.0, 9.0, 30.0), (0.0, 1.0, 20.0), (90.0, 5.0, 5.0), (90.0, 9.0, 30.0)]
    t, lat, lon = track(legs, 60.0)
    minutes = (t - T0) / 60
    creel = classify_track_adaptive(t, lat, lon, gear="creel")
    assert set(creel[(minutes > 32) & (minutes < 49)].tolist()) == {FISHING}
    assert set(creel[(minutes > 51) & (minutes < 55)].tolist()) == {FISHING}
    assert set(creel[minutes > 65].tolist()) == {TRANSIT}


def test_silences_cut_the_track() -> None:
    # Still for an hour, silent for 4 hours, still again 20 nm away.
    from mda.geo import destination

    t1, lat1, lon1 = track([(0.0, 0.0, 60.0)], 60.0)
    far = destination(lat1[0], lon1[0], 90.0, 20 * 1852.0)
    t = np.r_[t1, t1 + 5 * 3600.0]
    lat = np.r_[lat1, np.full(len(t1), far[0])]
    lon = np.r_[lon1, np.full(len(t1), far[1])]
    assert set(classify_track_adaptive(t, lat, lon).tolist()) == {STATIONARY}


def test_empty_single_and_unsorted_tracks() -> None:
    none = np.zeros(0)
    assert classify_track_adaptive(none, none, none).tolist() == []
    one = np.array([T0]), np.array([50.0]), np.array([-4.0])
    assert classify_track_adaptive(*one).tolist() == [TRANSIT]
    t, lat, lon = track([(0.0, 3.0, 10.0)], 60.0)
    with pytest.raises(ValueError, match="sorted by time"):
        classify_track_adaptive(t[::-1], lat, lon)


def test_same_rows_same_labels_whatever_their_order() -> None:
    legs = [(90.0, 9.0, 30.0), *zigzag(3.0, 40.0), (270.0, 9.0, 30.0)]
    t1, lat1, lon1 = track(legs, 30.0)
    t2, lat2, lon2 = track([(45.0, 0.2, 30.0), (0.0, 8.0, 60.0)], 20.0)
    vessel = ["A"] * len(t1) + ["B"] * len(t2)
    t, lat, lon = np.r_[t1, t2], np.r_[lat1, lat2], np.r_[lon1, lon2]
    first = classify_fleet(vessel, t, lat, lon).activity
    order = np.random.default_rng(5).permutation(len(t))
    shuffled = classify_fleet([vessel[i] for i in order], t[order], lat[order], lon[order])
    back = np.empty_like(first)
    back[order] = shuffled.activity
    assert back.tolist() == first.tolist()
    assert classify_fleet(vessel, t, lat, lon).activity.tolist() == first.tolist()
    assert share(first[: len(t1)], FISHING) > 0.3


def test_a_purse_seine_set_is_the_circle_and_the_pursing_after_it() -> None:
    circle = [(float(h), 11.0, 0.5) for h in range(0, 360, 15)]  # 12 min round a school
    legs = [(90.0, 11.0, 40.0), *circle, (0.0, 0.4, 120.0), (90.0, 11.0, 40.0), (0.0, 0.3, 120.0)]
    t, lat, lon = track(legs, 30.0)
    minutes = (t - T0) / 60
    seine = classify_track_adaptive(t, lat, lon, gear="purse seine")
    assert set(seine[minutes < 38].tolist()) == {TRANSIT}  # searching
    assert share(seine[(minutes > 42) & (minutes < 170)], FISHING) >= 0.95  # circle, pursing
    assert FISHING not in seine[minutes > 176].tolist()  # searching, then a night adrift
