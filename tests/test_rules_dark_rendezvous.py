"""Dark rendezvous: a vessel slow near where another one fell silent (Skylight's term)."""

from __future__ import annotations

from typing import Any

from mda.geo import destination
from mda.model import Alert, Position
from mda.pipeline import Pipeline
from mda.rules.dark_rendezvous import DarkRendezvousRule
from tests.rule_kit import PORT, T0, end_of, leg, opened, pipeline, run, static

A, B = 636_000_301, 636_000_402  # A lies slow; B falls silent
SPOT = (1.0, 10.5)
RULE: dict[str, Any] = {"exclude_zones": ["kind:port"]}


def silent_vessel(last_speed_kn: float = 3.0, at: tuple[float, float] = SPOT) -> list[Position]:
    """B steams 30 min at 8 kn, slows to ``last_speed_kn`` for 10 min and falls silent at the
    spot, 40 min after T0."""
    run_in = 8 * 1852.0 / 2 + last_speed_kn * 1852.0 / 6
    start = destination(at[0], at[1], 270, run_in)
    track = leg(B, T0, start[0], start[1], 90, 8, 30, every_s=60)
    t, lat, lon = end_of(track)
    return track + leg(B, t + 60, lat, lon, 90, last_speed_kn, 10, every_s=60)


def loiterer(offset_m: float = 300.0, arrive_minutes: float = 50, slow_minutes: float = 180,
             at: tuple[float, float] = SPOT) -> list[Position]:  # fmt: skip
    """A steams north at 10 kn to ``offset_m`` from the spot, arriving ``arrive_minutes`` after
    T0, drifts there at 0.2 kn, then leaves at 12 kn for an hour."""
    near = destination(at[0], at[1], 0, offset_m)
    start = destination(near[0], near[1], 180, 10 * 1852.0 * arrive_minutes / 60)
    track = leg(A, T0, start[0], start[1], 0, 10, arrive_minutes, every_s=60)
    t, lat, lon = end_of(track)
    track += leg(A, t + 60, lat, lon, 90, 0.2, slow_minutes, every_s=60)
    t, lat, lon = end_of(track)
    return track + leg(A, t + 60, lat, lon, 0, 12, 60, every_s=60)


def silence_began(track: list[Position]) -> float:
    return max(q.time or 0.0 for q in track if q.mmsi == B)


def replay(track: list[Position]) -> tuple[Pipeline, list[Alert]]:
    p = pipeline({"dark_rendezvous": RULE})
    return p, run(p, track, [static(A, T0 - 60), static(B, T0 - 60)])


def rule_of(p: Pipeline) -> DarkRendezvousRule:
    (rule,) = [r for r in p.engine.rules if isinstance(r, DarkRendezvousRule)]
    return rule


def test_a_vessel_slow_where_another_fell_silent_is_a_possible_dark_rendezvous() -> None:
    track = silent_vessel() + loiterer()
    _, alerts = replay(track)
    (alert,) = opened(alerts, "dark_rendezvous")
    assert (alert.mmsi, alert.body["other_mmsi"]) == (A, B)
    assert alert.start == T0 + 50 * 60  # A's slow spell there began after B fell silent
    silent_at = silence_began(track)
    assert silent_at + 3600 <= alert.updated <= silent_at + 3600 + 120  # silent for an hour
    assert alert.message.startswith("possible dark rendezvous")
    evidence: Any = alert.body["evidence"]
    assert evidence["distance_to_silent_position_m"] < 2000
    assert evidence["silent_hours"] >= 1.0


def test_it_clears_when_the_vessel_moves_on() -> None:
    _, alerts = replay(silent_vessel() + loiterer())
    assert [a.state for a in alerts if a.rule == "dark_rendezvous"] == ["open", "cleared"]


def test_two_vessels_both_reporting_are_not_a_dark_rendezvous() -> None:
    track = silent_vessel()
    t, lat, lon = end_of(track)
    track += leg(B, t + 60, lat, lon, 90, 0.2, 200, every_s=60)  # B keeps reporting
    _, alerts = replay(track + loiterer())
    assert opened(alerts, "dark_rendezvous") == []


def test_passing_the_spot_at_speed_is_not_a_rendezvous() -> None:
    near = destination(SPOT[0], SPOT[1], 180, 20 * 1852.0)
    passing = leg(A, T0, near[0], near[1], 0, 10, 240, every_s=60)
    _, alerts = replay(silent_vessel() + passing)
    assert opened(alerts, "dark_rendezvous") == []


def test_lying_3_km_from_the_spot_is_too_far() -> None:
    _, alerts = replay(silent_vessel() + loiterer(offset_m=3000))
    assert opened(alerts, "dark_rendezvous") == []


def test_a_ship_fading_out_at_sea_speed_is_no_rendezvous_spot() -> None:
    _, alerts = replay(silent_vessel(last_speed_kn=12) + loiterer())
    assert opened(alerts, "dark_rendezvous") == []


def test_arriving_long_after_the_silence_began_is_not_a_meeting() -> None:
    _, alerts = replay(silent_vessel() + loiterer(arrive_minutes=120))
    assert opened(alerts, "dark_rendezvous") == []


def test_near_a_port_is_not_a_dark_rendezvous() -> None:
    near_port = destination(PORT[0], PORT[1], 45, 6000)
    _, alerts = replay(silent_vessel(at=near_port) + loiterer(at=near_port))
    assert opened(alerts, "dark_rendezvous") == []


def test_the_silent_vessel_heard_again_nearby_clears_the_alert() -> None:
    track = silent_vessel() + loiterer()
    back = destination(SPOT[0], SPOT[1], 90, 3000)
    track += leg(B, T0 + 3 * 3600, back[0], back[1], 90, 6, 30, every_s=60)
    _, alerts = replay(track)
    states = [a for a in alerts if a.rule == "dark_rendezvous"]
    assert [a.state for a in states] == ["open", "cleared"]
    assert "heard again" in states[1].message
    assert states[1].updated == T0 + 3 * 3600


def test_reappearing_too_far_away_to_have_been_there_retracts_it() -> None:
    track = silent_vessel() + loiterer()
    far = destination(SPOT[0], SPOT[1], 90, 150_000)  # 150 km: 37 kn since A slowed there
    track += leg(B, T0 + 3 * 3600, far[0], far[1], 90, 12, 30, every_s=60)
    _, alerts = replay(track)
    states = [a for a in alerts if a.rule == "dark_rendezvous"]
    assert [a.state for a in states] == ["open", "retracted"]


def test_late_reports_from_inside_the_silence_retract_it() -> None:
    """A slow feed delivers B's reports of the silent hour after the alert opened."""
    quiet = silent_vessel()
    t, lat, lon = end_of(quiet)
    unheard = leg(B, t + 60, lat, lon, 90, 0.5, 40, every_s=60)
    p = pipeline({"dark_rendezvous": RULE})
    opening = [q for q in loiterer() if (q.time or 0.0) < t + 3600 + 180]
    alerts = run(p, quiet + opening, [static(A, T0 - 60), static(B, T0 - 60)])
    assert len(opened(alerts, "dark_rendezvous")) == 1
    came = p.process_records(unheard)
    came.extend(p.finish())  # the end of this input: what is held goes through
    assert [a.state for a in came.alerts if a.rule == "dark_rendezvous"] == ["retracted"]


def test_state_is_dropped_once_everyone_is_long_silent() -> None:
    track = silent_vessel() + loiterer()
    p, _ = replay(track)
    rule = rule_of(p)
    p.advance_to(max(q.time or 0.0 for q in track) + 13 * 3600)
    assert rule.vessels == {}
    assert rule.meetings == {}


def test_vessels_under_way_hold_no_state() -> None:
    """A vessel under way is neither loitering nor a spot to meet at: nothing is kept for it."""
    p = pipeline({"dark_rendezvous": {"zones": ["*"]}})
    fleet = [q for i in range(50)
             for q in leg(636_001_000 + i, T0, 0.5 + i * 0.02, 10.3, 60, 12, 60, 60)]
    run(p, fleet)
    rule = p.engine.rules[0]
    assert isinstance(rule, DarkRendezvousRule) and rule.vessels == {}
