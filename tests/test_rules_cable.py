"""Cable threats: anchored, stopped or dragging an anchor inside a cable corridor."""

from __future__ import annotations

import math

from mda.geo import KNOT_MS, destination
from mda.model import Position
from tests.rule_kit import CABLE_LON, T0, end_of, fix, leg, opened, pipeline, run, static

M = 538_000_002
RULE = {"severity": "alarm", "zones": ["kind:cable"]}
NM = 1852.0


def approach(minutes_to_corridor: float, speed_kn: float = 12.0) -> list[Position]:
    """Under way east at ``speed_kn``, reaching the corridor's west edge after the minutes and
    going on for one more minute (a few hundred metres inside)."""
    edge = CABLE_LON - 1852.0 / (111_320.0 * math.cos(math.radians(1.0)))
    lat, lon = destination(1.0, edge, 270, speed_kn * KNOT_MS * minutes_to_corridor * 60)
    return leg(M, T0, lat, lon, 90, speed_kn, minutes_to_corridor + 1)


def then(track: list[Position], course: float, speed_kn: float, minutes: float,
         **kwargs: object) -> list[Position]:  # fmt: skip
    """The track continued by another leg."""
    t, lat, lon = end_of(track)
    return track + leg(M, t + 10, lat, lon, course, speed_kn, minutes, **kwargs)  # type: ignore[arg-type]


def alarms(track: list[Position], rule: dict[str, object] = RULE) -> list[object]:
    alerts = run(pipeline({"cable_threat": rule}), track, [static(M, T0)])
    return opened(alerts, "cable_threat")


def entry_time(track: list[Position]) -> float:
    """First fix inside the corridor (the test cable runs along 11 E)."""
    half = 1852.0 / (111_320.0 * math.cos(math.radians(1.0)))
    return next(p.time for p in track if p.lon is not None and abs(p.lon - CABLE_LON) <= half
                and p.time is not None)  # fmt: skip


def test_crossing_at_speed_is_silent() -> None:
    assert alarms(then(approach(30), 90, 12, 30)) == []


def stop_in_corridor(stopped_minutes: float) -> list[Position]:
    track = then(approach(30), 90, 0.3, stopped_minutes)
    return then(track, 90, 12, 30)


def test_stopping_inside_the_corridor_fires_after_the_dwell_time() -> None:
    track = stop_in_corridor(30)
    (alarm,) = alarms(track)
    assert alarm.body["evidence"]["signal"] == "slow_dwell"  # type: ignore[attr-defined]
    slow_since = T0 + 31 * 60
    assert slow_since + 10 * 60 <= alarm.updated <= slow_since + 11 * 60  # type: ignore[attr-defined]
    assert alarm.body["evidence"]["distance_to_cable_m"] < 1852  # type: ignore[attr-defined]


def test_a_stop_just_under_the_dwell_time_is_silent() -> None:
    assert alarms(stop_in_corridor(9)) == []
    assert len(alarms(stop_in_corridor(11))) == 1


def test_at_anchor_inside_the_corridor_fires() -> None:
    track = then(approach(30), 90, 0.0, 15, nav=1, every_s=60)
    (alarm,) = alarms(track)
    assert alarm.body["evidence"]["signal"] == "at_anchor"  # type: ignore[attr-defined]


def test_at_anchor_but_moving_is_a_drag() -> None:
    track = then(approach(30), 90, 1.5, 20, nav=1)
    (alarm,) = alarms(track)
    assert alarm.body["evidence"]["signal"] == "anchor_drag_at_anchor"  # type: ignore[attr-defined]


def test_a_forgotten_at_anchor_status_at_cruising_speed_is_not_a_drag() -> None:
    assert alarms(then(approach(30, 12), 90, 12, 30, nav=1)) == []


def swinging(track: list[Position], speed_kn: float, minutes: float, swing_deg: float,
             period_s: float = 180.0) -> list[Position]:  # fmt: skip
    """The track continued east with the heading swinging around the course."""
    t0, lat, lon = end_of(track)
    out = list(track)
    for i in range(int(minutes * 6)):
        t = t0 + 10 + 10 * i
        la, lo = destination(lat, lon, 90, speed_kn * KNOT_MS * 10 * (i + 1))
        heading = 90 + swing_deg * math.sin(2 * math.pi * (t - t0) / period_s)
        out.append(fix(M, t, la, lo, speed_kn, 90, heading))
    return out


def test_anchor_dragged_underway_fires_on_entering_the_corridor() -> None:
    # Two hours at 12 kn, then the anchor goes down 30 minutes before the cable: 6 kn with a
    # heading swinging 15 degrees either side - the 2024 Baltic signature.
    track = approach(150)[: 120 * 6]
    track = swinging(track, 6.0, 70, 15.0)
    (alarm,) = alarms(track)
    evidence = alarm.body["evidence"]  # type: ignore[attr-defined]
    assert evidence["signal"] == "anchor_drag_underway"
    assert evidence["speed_drop_percent"] >= 40
    entered = entry_time(track)
    assert entered <= alarm.updated <= entered + 10 * 60  # type: ignore[attr-defined]


def test_a_ship_that_only_slowed_down_is_not_a_drag() -> None:
    track = approach(150)[: 120 * 6]
    assert alarms(swinging(track, 6.0, 70, 0.0)) == []


def test_a_swinging_heading_without_loss_of_speed_is_not_a_drag() -> None:
    track = approach(150)[: 120 * 6]
    assert alarms(swinging(track, 12.0, 40, 15.0)) == []


def test_heading_swing_just_under_the_threshold_is_silent() -> None:
    track = approach(150)[: 120 * 6]
    # A sine of amplitude A has a circular spread of about A / sqrt(2): 10 deg -> ~7 deg < 8.
    assert alarms(swinging(track, 6.0, 70, 10.0)) == []
    assert len(alarms(swinging(track, 6.0, 70, 13.0))) == 1


def test_leaving_the_corridor_clears_the_alarm() -> None:
    alerts = run(pipeline({"cable_threat": RULE}), stop_in_corridor(30), [static(M, T0)])
    assert [a.state for a in alerts] == ["open", "cleared"]


def test_a_steady_heading_has_no_swing_whatever_the_rounding() -> None:
    """Three to eleven equal headings (a vessel lying still on its anchor): the mean
    resultant length can round to just above 1, which must read as no swing, not crash the
    pipeline (mda replay stopped on 'math domain error' with headings of 1 or 9 degrees)."""
    from mda.rules.cable import circular_std_deg

    for count in range(1, 12):
        for heading in range(360):
            assert abs(circular_std_deg([float(heading)] * count)) < 1e-3
