"""Unexpected stops in high-risk areas, watch-list sightings and zone entries."""

from __future__ import annotations

from mda.model import Position
from tests.rule_kit import PORT, T0, end_of, leg, opened, pipeline, run, static

SHIP = 636_000_005
STOP = {"zones": ["test-sea"], "exclude_zones": ["kind:port"], "ship_types": ["70-89"],
        "max_speed_kn": 2.0, "min_minutes": 15.0, "resume_speed_kn": 4.0}  # fmt: skip


def stopping(stop_minutes: float, at: tuple[float, float] = (1.0, 10.5),
             speed_kn: float = 0.5) -> list[Position]:  # fmt: skip
    track = leg(SHIP, T0, at[0], at[1], 90, 13, 30)
    t, lat, lon = end_of(track)
    track += leg(SHIP, t + 10, lat, lon, 90, speed_kn, stop_minutes)
    t, lat, lon = end_of(track)
    return track + leg(SHIP, t + 10, lat, lon, 90, 13, 30)


def test_a_merchant_ship_stopping_fires_after_fifteen_minutes() -> None:
    alerts = run(pipeline({"unexpected_stop": STOP}), stopping(60), [static(SHIP, T0)])
    (alert,) = opened(alerts, "unexpected_stop")
    slow_since = T0 + 30 * 60
    assert slow_since + 15 * 60 <= alert.updated <= slow_since + 16 * 60
    assert [a.state for a in alerts] == ["open", "cleared"]


def test_a_stop_just_under_fifteen_minutes_is_silent() -> None:
    assert opened(run(pipeline({"unexpected_stop": STOP}), stopping(14), [static(SHIP, T0)]),
                  "unexpected_stop") == []  # fmt: skip
    assert len(opened(run(pipeline({"unexpected_stop": STOP}), stopping(16),
                          [static(SHIP, T0)]), "unexpected_stop")) == 1  # fmt: skip


def test_slowing_to_just_above_the_threshold_is_silent() -> None:
    slow = stopping(60, speed_kn=2.2)
    assert opened(run(pipeline({"unexpected_stop": STOP}), slow, [static(SHIP, T0)]),
                  "unexpected_stop") == []  # fmt: skip


def test_fishing_vessels_are_not_merchant_ships() -> None:
    alerts = run(
        pipeline({"unexpected_stop": STOP}), stopping(60), [static(SHIP, T0, ship_type=30)]
    )
    assert opened(alerts, "unexpected_stop") == []


def test_stopping_in_port_is_expected() -> None:
    track = leg(SHIP, T0, PORT[0], PORT[1], 0, 0.0, 90, nav=5)
    alerts = run(pipeline({"unexpected_stop": STOP}), track, [static(SHIP, T0)])
    assert opened(alerts, "unexpected_stop") == []


def test_a_listed_mmsi_is_reported_at_its_first_position() -> None:
    rule = {"severity": "alarm", "mmsi": [SHIP]}
    track = leg(SHIP, T0 + 300, 1.0, 10.5, 90, 12, 30)
    alerts = run(pipeline({"watch_list": rule}), track)
    (alert,) = opened(alerts, "watch_list")
    assert alert.updated == T0 + 300
    assert alert.body["evidence"]["listed_by"] == f"MMSI {SHIP}"  # type: ignore[index]


def test_a_listed_name_is_reported_once_the_static_report_names_it() -> None:
    rule = {"names": ["Shadow  Runner"]}
    track = leg(SHIP, T0, 1.0, 10.5, 90, 12, 30)
    alerts = run(pipeline({"watch_list": rule}), track, [static(SHIP, T0, name="SHADOW RUNNER")])
    (alert,) = opened(alerts, "watch_list")
    assert alert.body["evidence"]["listed_by"] == "name SHADOW RUNNER"  # type: ignore[index]


def test_a_listed_imo_is_reported() -> None:
    alerts = run(
        pipeline({"watch_list": {"imo": [9_123_456]}}),
        leg(SHIP, T0, 1.0, 10.5, 90, 12, 30),
        [static(SHIP, T0, imo=9_123_456)],
    )
    assert len(opened(alerts, "watch_list")) == 1


def test_unlisted_vessels_are_not_reported() -> None:
    alerts = run(
        pipeline({"watch_list": {"mmsi": [111_111_111]}}),
        leg(SHIP, T0, 1.0, 10.5, 90, 12, 30),
        [static(SHIP, T0)],
    )
    assert alerts == []


def test_entering_and_leaving_a_zone() -> None:
    rule = {"detector": "zone_entry", "zones": ["test-sea"], "mmsi": [SHIP]}
    # From west of the test sea (lon < 10) into it and out again.
    track = leg(SHIP, T0, 1.0, 9.9, 90, 12, 60)
    t, lat, lon = end_of(track)
    track += leg(SHIP, t + 10, lat, lon, 270, 12, 60)
    alerts = run(pipeline({"sea_entry": rule}), track)
    assert [(a.rule, a.state) for a in alerts] == [("sea_entry", "open"), ("sea_entry", "cleared")]
    entered = next(p.time for p in track if p.lon is not None and p.lon >= 10.0)
    assert alerts[0].updated == entered


def test_zone_entry_filters_by_vessel() -> None:
    rule = {"detector": "zone_entry", "zones": ["test-sea"], "mmsi": [999_999_999]}
    assert run(pipeline({"sea_entry": rule}), leg(SHIP, T0, 1.0, 9.9, 90, 12, 60)) == []
