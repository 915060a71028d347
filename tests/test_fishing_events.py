"""Fishing events built from per-position activity the way Global Fishing Watch builds them:
split at 10 km or 2 h, join across breaks within 1 h and 2 km, drop events of 20 min or less,
5 positions or fewer, 0.5 km or less, or a mean speed of 10 kn or more."""

from __future__ import annotations

import numpy as np
import pytest

from mda.activity import FISHING, STATIONARY, TRANSIT, FishingEvent, fishing_events
from mda.activity.motion import Floats
from mda.geo import destination
from tests.test_activity import START, T0, Leg, track


def labelled(phases: list[tuple[int, Leg]], every_s: float = 60.0) -> tuple[Floats, ...]:
    """Time, lat, lon and activity of a track sailed phase by phase; each phase's fixes carry
    its activity (the start fix takes the first phase's)."""
    t, lat, lon = track([leg for _, leg in phases], every_s)
    activity = [phases[0][0]]
    for code, (_, _, minutes) in phases:
        activity += [code] * round(minutes * 60 / every_s)
    return t, lat, lon, np.array(activity, dtype=np.int8)


def events_of(phases: list[tuple[int, Leg]], every_s: float = 60.0) -> list[FishingEvent]:
    t, lat, lon, activity = labelled(phases, every_s)
    return fishing_events(t, lat, lon, activity)


def test_a_run_of_fishing_is_one_event_with_its_measures() -> None:
    t, lat, lon, activity = labelled(
        [(TRANSIT, (0.0, 9.0, 10.0)), (FISHING, (90.0, 3.0, 60.0)), (TRANSIT, (0.0, 9.0, 10.0))]
    )
    (event,) = fishing_events(t, lat, lon, activity)
    assert (event.first_index, event.last_index) == (11, 70)
    assert event.positions == 60
    assert (event.start, event.end) == (T0 + 11 * 60, T0 + 70 * 60)
    # 59 one-minute legs at 3 kn: the leg into the first fishing fix is not the event's.
    assert event.distance_km == pytest.approx(59 * 3 * 1.852 / 60, rel=1e-3)
    assert event.mean_speed_kn == pytest.approx(3.0, rel=1e-3)
    middle = activity == FISHING
    assert event.lat_mean == pytest.approx(float(np.mean(lat[middle])), abs=1e-4)
    assert event.lon_mean == pytest.approx(float(np.mean(lon[middle])), abs=1e-4)
    assert event.duration_hours == pytest.approx(59 / 60)


def test_no_fishing_no_events() -> None:
    assert events_of([(TRANSIT, (0.0, 9.0, 60.0))]) == []
    assert fishing_events(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, np.int8)) == []


# --- split ---------------------------------------------------------------------------------


def two_tows(gap_s: float, jump_m: float = 0.0) -> list[FishingEvent]:
    """Two 40-minute tows, fishing throughout, the second starting ``gap_s`` after the first
    ends and ``jump_m`` east of it."""
    t1, lat1, lon1 = track([(0.0, 3.0, 40.0)])
    lat0, lon0 = destination(float(lat1[-1]), float(lon1[-1]), 90.0, jump_m)
    t2, lat2, lon2 = track([(0.0, 3.0, 40.0)])
    lat2 = lat2 - START[0] + lat0
    lon2 = lon2 - START[1] + lon0
    t = np.r_[t1, t2 - T0 + t1[-1] + gap_s]
    fishing = np.full(len(t), FISHING, dtype=np.int8)
    return fishing_events(t, np.r_[lat1, lat2], np.r_[lon1, lon2], fishing)


def test_consecutive_fishing_positions_more_than_two_hours_apart_split_the_event() -> None:
    assert len(two_tows(2 * 3600.0 + 60)) == 2
    assert len(two_tows(2 * 3600.0)) == 1


def test_consecutive_fishing_positions_more_than_ten_km_apart_split_the_event() -> None:
    assert len(two_tows(60.0, jump_m=10_500.0)) == 2
    assert len(two_tows(60.0, jump_m=9_500.0)) == 1


# --- join ----------------------------------------------------------------------------------


def test_a_short_break_close_by_joins_two_runs_into_one_event() -> None:
    tow = (0.0, 3.0, 40.0)
    (event,) = events_of([(FISHING, tow), (STATIONARY, (0.0, 0.1, 50.0)), (FISHING, tow)])
    assert event.positions == 41 + 40  # the break's positions are not the event's
    assert event.end - event.start == 130 * 60


def test_a_break_of_more_than_an_hour_keeps_the_runs_apart() -> None:
    tow = (0.0, 3.0, 40.0)
    assert len(events_of([(FISHING, tow), (STATIONARY, (0.0, 0.1, 61.0)), (FISHING, tow)])) == 2


def test_a_break_ending_more_than_two_km_away_keeps_the_runs_apart() -> None:
    tow = (0.0, 3.0, 40.0)
    # 10 minutes of transit at 9 kn: 2.8 km from where fishing stopped.
    assert len(events_of([(FISHING, tow), (TRANSIT, (90.0, 9.0, 10.0)), (FISHING, tow)])) == 2
    # At 6 kn it is 1.85 km: joined.
    assert len(events_of([(FISHING, tow), (TRANSIT, (90.0, 6.0, 10.0)), (FISHING, tow)])) == 1


# --- drop ----------------------------------------------------------------------------------


def test_events_of_twenty_minutes_or_less_are_dropped() -> None:
    assert events_of([(FISHING, (0.0, 3.0, 20.0))]) == []
    assert len(events_of([(FISHING, (0.0, 3.0, 21.0))])) == 1


def test_events_of_five_positions_or_fewer_are_dropped() -> None:
    # 40 minutes at 3 kn: 5 positions with a fix every 10 min, 6 with a fix every 8 min.
    assert events_of([(FISHING, (0.0, 3.0, 40.0))], every_s=600.0) == []
    assert len(events_of([(FISHING, (0.0, 3.0, 40.0))], every_s=480.0)) == 1


def test_events_of_half_a_km_or_less_are_dropped() -> None:
    # An hour at 0.25 kn is 0.46 km; at 0.3 kn, 0.56 km.
    assert events_of([(FISHING, (0.0, 0.25, 60.0))]) == []
    assert len(events_of([(FISHING, (0.0, 0.3, 60.0))])) == 1


def test_events_at_a_mean_speed_of_ten_knots_or_more_are_dropped() -> None:
    assert events_of([(FISHING, (0.0, 10.5, 40.0))]) == []
    assert len(events_of([(FISHING, (0.0, 9.5, 40.0))])) == 1
