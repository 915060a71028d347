"""Loitering: GFW's hourly implied speed under 2 knots for at least 2 hours, away from port."""

from __future__ import annotations

from shapely.geometry import box

from mda.geo import destination
from mda.model import Position
from tests.rule_kit import PORT, T0, end_of, leg, opened, pipeline, run, static

M = 636_000_001
RULE = {"max_speed_kn": 2.0, "min_hours": 2.0, "exclude_zones": ["kind:port"]}


def slow_spell(speed_kn: float, slow_minutes: float, *, at: tuple[float, float] = (1.0, 10.5),
               nav: int = 0) -> list[Position]:  # fmt: skip
    """An hour under way at 12 kn towards ``at``, the slow spell there, then 90 minutes under
    way again."""
    start = destination(at[0], at[1], 270, 12 * 1852.0)
    track = leg(M, T0, start[0], start[1], 90, 12, 60)
    t, lat, lon = end_of(track)
    track += leg(M, t + 10, lat, lon, 45, speed_kn, slow_minutes, nav=nav)
    t, lat, lon = end_of(track)
    return track + leg(M, t + 10, lat, lon, 90, 12, 90)


def test_fires_after_two_slow_hours_and_not_before() -> None:
    alerts = run(pipeline({"loitering": RULE}), slow_spell(0.8, 300), [static(M, T0)])
    (alert,) = opened(alerts, "loitering")
    # Slow from 01:00; the run reaches 2 h when the 02:00 hour closes, at 03:00.
    assert alert.start == T0 + 3600
    assert T0 + 3 * 3600 - 60 <= alert.updated <= T0 + 3 * 3600 + 60
    assert alert.body["evidence"]["mean_speed_knots"] < 1.0  # type: ignore[index]
    assert alert.body["evidence"]["duration_hours"] >= 2.0  # type: ignore[index]


def test_clears_when_the_vessel_moves_on() -> None:
    alerts = run(pipeline({"loitering": RULE}), slow_spell(0.8, 300), [static(M, T0)])
    assert [a.state for a in alerts if a.rule == "loitering"] == ["open", "cleared"]


def test_silent_when_the_slow_spell_is_shorter_than_the_threshold() -> None:
    alerts = run(pipeline({"loitering": RULE}), slow_spell(0.8, 110), [static(M, T0)])
    assert opened(alerts, "loitering") == []


def test_speed_just_over_the_threshold_is_not_loitering() -> None:
    over = run(pipeline({"loitering": RULE}), slow_spell(2.2, 300), [static(M, T0)])
    under = run(pipeline({"loitering": RULE}), slow_spell(1.8, 300), [static(M, T0)])
    assert opened(over, "loitering") == []
    assert len(opened(under, "loitering")) == 1


def test_longer_threshold_for_carriers_waits_longer() -> None:
    carriers = {**RULE, "min_hours": 4.0}
    alerts = run(pipeline({"loitering": carriers}), slow_spell(0.8, 300), [static(M, T0)])
    (alert,) = opened(alerts, "loitering")
    assert alert.updated >= T0 + 5 * 3600 - 60


def test_moored_in_port_is_not_loitering() -> None:
    track = slow_spell(0.0, 360, at=(PORT[0], PORT[1]), nav=5)
    alerts = run(pipeline({"loitering": RULE}), track, [static(M, T0)])
    assert opened(alerts, "loitering") == []


def test_near_shore_is_not_loitering_where_a_coastline_is_loaded() -> None:
    land = box(10.6, 0.9, 10.8, 1.1)  # an island a few miles from the slow spell
    far_land = box(30.0, 0.0, 31.0, 1.0)
    near = run(pipeline({"loitering": RULE}, coastline=[land]), slow_spell(0.5, 300),
               [static(M, T0)])  # fmt: skip
    far = run(pipeline({"loitering": RULE}, coastline=[far_land]), slow_spell(0.5, 300),
              [static(M, T0)])  # fmt: skip
    assert opened(near, "loitering") == []
    (alert,) = opened(far, "loitering")
    assert alert.body["evidence"]["distance_from_shore_nm"] > 20  # type: ignore[index]


def test_ship_types_scope_the_rule() -> None:
    tankers_only = {**RULE, "ship_types": ["80-89"]}
    cargo = run(pipeline({"loitering": tankers_only}), slow_spell(0.5, 300),
                [static(M, T0, ship_type=70)])  # fmt: skip
    tanker = run(pipeline({"loitering": tankers_only}), slow_spell(0.5, 300),
                 [static(M, T0, ship_type=84)])  # fmt: skip
    assert opened(cargo, "loitering") == []
    assert len(opened(tanker, "loitering")) == 1
