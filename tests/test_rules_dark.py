"""Going dark: silence after being seen in a watched zone, reappearance, late data."""

from __future__ import annotations

from shapely.geometry import box

from mda.model import Alert, Position
from mda.pipeline import Pipeline
from tests.rule_kit import PORT, T0, end_of, leg, opened, pipeline, run, static

TANKER = 636_000_003
OTHER = 636_000_004  # keeps event time moving while the tanker is silent
RULE = {"zones": ["test-sea"], "exclude_zones": ["kind:port"], "gap_hours": 6.0,
        "disabling_gap_hours": 12.0, "disabling_min_shore_nm": 50.0}  # fmt: skip


def background(hours: float) -> list[Position]:
    return leg(OTHER, T0, 0.3, 11.8, 0, 0.5, hours * 60, every_s=60)


def tanker(minutes: float = 60, at: tuple[float, float] = (1.0, 10.5),
           every_s: float = 10.0) -> list[Position]:  # fmt: skip
    return leg(TANKER, T0, at[0], at[1], 90, 11, minutes, every_s=every_s)


def alerts_of(p: Pipeline, track: list[Position], hours: float) -> list[Alert]:
    found = run(p, [*track, *background(hours)], [static(TANKER, T0, ship_type=80)])
    return [a for a in found if a.mmsi == TANKER]


def test_silence_of_six_hours_fires_and_not_before() -> None:
    track = tanker()
    last = track[-1].time
    assert last is not None
    (alert,) = opened(alerts_of(pipeline({"going_dark": RULE}), track, 8), "going_dark")
    assert last + 6 * 3600 <= alert.updated <= last + 6 * 3600 + 120
    assert alert.start == last
    assert alert.zone_id == "test-sea"


def test_silence_just_under_six_hours_is_not_going_dark() -> None:
    track = tanker()
    t, lat, lon = end_of(track)
    back = leg(TANKER, t + 5.9 * 3600, lat, lon + 0.3, 90, 11, 30)
    assert opened(alerts_of(pipeline({"going_dark": RULE}), track + back, 8), "going_dark") == []


def test_reappearance_clears_with_the_implied_speed_across_the_gap() -> None:
    track = tanker()
    t, lat, lon = end_of(track)
    back = leg(TANKER, t + 7 * 3600, lat, lon + 0.5, 90, 11, 30)  # 30 nm in 7 h
    states = alerts_of(pipeline({"going_dark": RULE}), track + back, 9)
    assert [a.state for a in states] == ["open", "cleared"]
    evidence = states[-1].body["evidence"]
    assert evidence["gap_hours"] == 7.0  # type: ignore[index]
    assert 4.0 < evidence["implied_speed_knots"] < 4.6  # type: ignore[index]


def test_a_vessel_heard_only_a_few_times_has_not_gone_dark() -> None:
    brief = tanker(minutes=3)
    assert opened(alerts_of(pipeline({"going_dark": RULE}), brief, 8), "going_dark") == []


def test_silence_outside_watched_zones_is_not_watched() -> None:
    outside = tanker(at=(5.0, 20.0))
    assert opened(alerts_of(pipeline({"going_dark": RULE}), outside, 8), "going_dark") == []


def test_silence_in_port_is_not_going_dark() -> None:
    moored = leg(TANKER, T0, PORT[0], PORT[1], 0, 0.0, 60, nav=5)
    assert opened(alerts_of(pipeline({"going_dark": RULE}), moored, 8), "going_dark") == []


def test_twelve_hours_far_from_shore_is_possible_intentional_disabling() -> None:
    far_coast = [box(30.0, 0.0, 31.0, 1.0)]
    found = alerts_of(pipeline({"going_dark": RULE}, coastline=far_coast), tanker(), 14)
    assert [(a.state, a.severity) for a in found] == [("open", "warning"), ("open", "alarm")]
    assert found[1].body["evidence"]["possible_intentional_disabling"] is True  # type: ignore[index]


def test_twelve_hours_near_shore_stays_a_warning() -> None:
    near_coast = [box(10.0, 1.2, 10.8, 1.3)]  # 10 nm north of the last position
    found = alerts_of(pipeline({"going_dark": RULE}, coastline=near_coast), tanker(), 14)
    assert [(a.state, a.severity) for a in found] == [("open", "warning")]


def test_no_coastline_means_no_claim_of_disabling() -> None:
    found = alerts_of(pipeline({"going_dark": RULE}), tanker(), 14)
    assert [a.severity for a in found] == ["warning"]
    assert found[0].body["evidence"]["distance_from_shore_nm"] is None  # type: ignore[index]


def test_late_positions_inside_the_gap_retract_the_alert() -> None:
    p = pipeline({"going_dark": RULE})
    track = tanker()
    t, lat, lon = end_of(track)
    first = alerts_of(p, track, 7.5)
    assert [a.state for a in first] == ["open"]
    # A slow feed now delivers positions from three hours into the "gap".
    late = leg(TANKER, t + 3 * 3600, lat, lon + 0.3, 90, 11, 10)
    came = p.process_records(late)
    came.extend(p.finish())  # the end of this input: what is held goes through
    retracted = [a for a in came.alerts if a.mmsi == TANKER]
    assert [a.state for a in retracted] == ["retracted"]
    assert retracted[0].alert_id == first[0].alert_id
