"""Encounters: two vessels within 500 m, slow, for 2 hours, away from port (GFW), found on a
10-minute grid with a spatial index, incrementally as event time passes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mda.errors import ConfigError
from mda.geo import destination
from mda.model import Alert, Position
from mda.pipeline import Pipeline
from mda.rules.encounter import EncounterRule, Sample
from mda.rules.engine import RuleEngine
from mda.rules.settings import load_rule_files, rule_spec
from mda.settings.vessel_lists import load_vessel_list
from tests.data import shared
from tests.rule_kit import PORT, T0, end_of, index, leg, opened, pipeline, run, static

A, B = 636_000_101, 636_000_202
SEA = (1.0, 10.5)  # open water of the test sea, far from its port
RULE: dict[str, Any] = {"exclude_zones": ["kind:port"]}
CARRIERS = "labels/gfw_transshipment_vessels_2012_2017.csv"
CHITOSE = 563_418_000  # a reefer on GFW's carrier list


def pair(a: int, b: int, start: float, at: tuple[float, float], course: float, speed_kn: float,
         minutes: float, apart_m: float) -> list[Position]:  # fmt: skip
    """Two vessels abreast, ``apart_m`` apart, on the same course and speed."""
    beside = destination(at[0], at[1], course + 90, apart_m)
    first = leg(a, start, at[0], at[1], course, speed_kn, minutes, every_s=60)
    return first + leg(b, start, beside[0], beside[1], course, speed_kn, minutes, every_s=60)


def meeting(
    minutes: float = 180,
    apart_m: float = 150.0,
    speed_kn: float = 1.0,
    at: tuple[float, float] = SEA,
    a: int = A,
    b: int = B,
) -> list[Position]:
    """Side by side from 30 s before T0 for ``minutes``; then B leaves at 12 kn while A carries
    on slowly for an hour."""
    track = pair(a, b, T0 - 30, at, 90, speed_kn, minutes, apart_m)
    for m, course, speed in ((a, 90, speed_kn), (b, 0, 12.0)):
        t, lat, lon = end_of([q for q in track if q.mmsi == m])
        track += leg(m, t + 60, lat, lon, course, speed, 60, every_s=60)
    return track


def alerts_of(rules: dict[str, dict[str, Any]], track: list[Position],
              statics: list[Any] | None = None) -> list[Alert]:  # fmt: skip
    p = pipeline(rules)
    found = run(p, track, statics or [static(A, T0 - 60), static(B, T0 - 60)])
    end = max(q.time or 0.0 for q in track)
    # A day on, every pair has expired; a day later any clear the rule asked for is done.
    return found + p.advance_to(end + 86_400).alerts + p.advance_to(end + 2 * 86_400).alerts


def encounter_rule(p: Pipeline) -> EncounterRule:
    (rule,) = [r for r in p.engine.rules if isinstance(r, EncounterRule)]
    return rule


def test_side_by_side_for_three_hours_is_one_encounter_from_its_start() -> None:
    alerts = alerts_of({"encounter": RULE}, meeting())
    (alert,) = opened(alerts, "encounter")
    assert alert.start == T0  # the first grid time they were together
    assert alert.updated == T0 + 2 * 3600  # judged when the run reached 2 h
    assert (alert.mmsi, alert.body["other_mmsi"]) == (A, B)
    evidence: Any = alert.body["evidence"]
    assert 140 < evidence["median_distance_m"] < 160
    assert 0.8 < evidence["median_speed_knots"] < 1.2
    assert evidence["possible_transshipment"] is False
    assert "possible encounter" in alert.message


def test_the_encounter_clears_when_the_vessels_separate() -> None:
    alerts = [a for a in alerts_of({"encounter": RULE}, meeting()) if a.rule == "encounter"]
    assert [a.state for a in alerts] == ["open", "cleared"]
    ended: Any = alerts[1].body["evidence"]
    assert ended["start"] == "2026-01-01T00:00:00.000Z"
    assert 2.8 <= ended["duration_hours"] <= 3.0
    assert alerts[1].updated <= T0 + 3.5 * 3600


def test_600_m_apart_is_not_an_encounter() -> None:
    assert opened(alerts_of({"encounter": RULE}, meeting(apart_m=600)), "encounter") == []


def test_a_convoy_at_ten_knots_is_not_an_encounter() -> None:
    assert opened(alerts_of({"encounter": RULE}, meeting(speed_kn=10)), "encounter") == []


def test_shorter_than_two_hours_is_not_an_encounter() -> None:
    assert opened(alerts_of({"encounter": RULE}, meeting(minutes=110)), "encounter") == []


def test_side_by_side_near_a_port_is_not_an_encounter() -> None:
    near_port = destination(PORT[0], PORT[1], 45, 5_000)
    alerts = alerts_of({"encounter": RULE}, meeting(at=near_port, speed_kn=0.3))
    assert opened(alerts, "encounter") == []
    far_enough = destination(PORT[0], PORT[1], 45, 12_000)
    alerts = alerts_of({"encounter": RULE}, meeting(at=far_enough, speed_kn=0.3))
    (alert,) = opened(alerts, "encounter")
    assert alert.body["evidence"]["distance_to_port_km"] > 10  # type: ignore[index]


def test_in_a_crowd_only_the_pair_that_meets_is_reported() -> None:
    """100 vessels drifting on a 2 km grid; only one of them lies 100 m from another."""
    track: list[Position] = []
    for row in range(10):
        for col in range(10):
            at = destination(*destination(SEA[0], SEA[1], 0, row * 2000.0), 90, col * 2000.0)
            track += leg(700_000_000 + 10 * row + col, T0 - 30, at[0], at[1], 45, 0.5, 180,
                         every_s=60)  # fmt: skip
    beside = destination(SEA[0], SEA[1], 180, 100.0)
    track += leg(B, T0 - 30, beside[0], beside[1], 45, 0.5, 180, every_s=60)
    p = pipeline({"encounter": RULE})
    alerts = run(p, track)
    (alert,) = opened(alerts, "encounter")
    assert (alert.mmsi, alert.body["other_mmsi"]) == (B, 700_000_000)  # the lower MMSI first
    assert len(encounter_rule(p).pairs) == 1  # neighbours 2 km apart never became pairs


def test_state_is_dropped_when_the_vessels_are_gone() -> None:
    p = pipeline({"encounter": RULE})
    track = meeting()
    run(p, track)
    rule = encounter_rule(p)
    p.advance_to(max(q.time or 0.0 for q in track) + 6 * 3600)
    assert rule.pairs == {}
    assert rule.slices == {}
    assert len(rule.resampler) == 0


def test_a_long_event_keeps_a_bounded_sample_for_its_medians() -> None:
    sample = Sample(cap=64)
    for i in range(10_000):  # ten weeks of grid times
        sample.add(float(i % 100))
    assert len(sample.values) <= 65
    assert 40 <= (sample.median() or 0.0) <= 60


def test_a_pair_that_only_passes_is_dropped_at_once() -> None:
    """Two ships crossing 200 m apart at 12 kn are close for one grid time: no pair remains."""
    p = pipeline({"encounter": RULE})
    west = destination(SEA[0], SEA[1], 270, 6 * 1852.0)
    south = destination(*destination(SEA[0], SEA[1], 0, 200.0), 180, 6 * 1852.0)
    track = leg(A, T0 - 30, west[0], west[1], 90, 12, 60) + leg(B, T0 - 30, south[0], south[1],
                                                                 0, 12, 60)  # fmt: skip
    run(p, track)
    assert encounter_rule(p).pairs == {}


def test_breaks_shorter_than_the_merge_window_join_one_encounter() -> None:
    """Together 80 min, 40 min apart, together again 80 min: one event of 3 h 20."""
    first = pair(A, B, T0 - 30, SEA, 90, 0.5, 80, 150)
    t, lat, lon = end_of([q for q in first if q.mmsi == A])
    away = destination(lat, lon, 0, 3000)
    second_start = t + 40 * 60
    gap = leg(A, t + 60, lat, lon, 90, 0.5, 40, every_s=60)
    gap += leg(B, t + 60, away[0], away[1], 90, 0.5, 40, every_s=60)
    second = pair(A, B, second_start, (lat, lon), 90, 0.5, 80, 150)
    track = first + gap + second
    joined = alerts_of({"encounter": RULE}, track)
    (alert,) = opened(joined, "encounter")
    assert alert.start == T0
    apart = alerts_of({"encounter": {**RULE, "merge_hours": 0.5}}, track)
    assert opened(apart, "encounter") == []  # neither meeting lasts 2 h


def test_a_brief_separation_does_not_clear_the_alert() -> None:
    """Abreast for 4 h; for 15 minutes after 2.5 h B lies 700 m off: one alert throughout."""
    a_track = leg(A, T0 - 30, SEA[0], SEA[1], 90, 0.5, 240, every_s=60)
    b_track = []
    for q in a_track:
        t = q.time or 0.0
        off = 700.0 if T0 + 150 * 60 <= t < T0 + 165 * 60 else 150.0
        lat, lon = destination(q.lat or 0.0, q.lon or 0.0, 0, off)
        b_track.append(q._replace(mmsi=B, lat=lat, lon=lon))
    rules = {"encounter": {**RULE, "clear_after_minutes": 30.0}}
    alerts = [a for a in alerts_of(rules, a_track + b_track) if a.rule == "encounter"]
    assert [a.state for a in alerts] == ["open", "cleared"]
    assert alerts[1].body["evidence"]["duration_hours"] >= 3.8  # type: ignore[index]


def test_a_carrier_on_the_list_makes_it_a_possible_transshipment() -> None:
    rules = {"encounter": {**RULE, "carrier_list": str(shared(CARRIERS))}}
    alerts = alerts_of(
        rules,
        meeting(a=A, b=CHITOSE),
        [static(A, T0 - 60, "FISHER", 30), static(CHITOSE, T0 - 60, "CHITOSE")],
    )
    (alert,) = opened(alerts, "encounter")
    assert alert.message.startswith("possible transshipment: FISHER (MMSI 636000101) alongside "
                                    "carrier CHITOSE (MMSI 563418000)")  # fmt: skip
    assert (alert.mmsi, alert.body["other_mmsi"]) == (A, CHITOSE)
    evidence: Any = alert.body["evidence"]
    assert evidence["possible_transshipment"] is True
    assert evidence["carrier_mmsi"] == [CHITOSE]


def test_a_carrier_ship_type_marks_the_carrier_too() -> None:
    carrier = 200_000_001  # lower than A
    rules = {"encounter": {**RULE, "carrier_ship_types": [79]}}
    alerts = alerts_of(
        rules,
        meeting(a=carrier, b=A),
        [static(carrier, T0 - 60, "REEFER", 79), static(A, T0 - 60, "FISHER", 30)],
    )
    (alert,) = opened(alerts, "encounter")
    assert (alert.mmsi, alert.body["other_mmsi"]) == (A, carrier)
    assert alert.body["evidence"]["carrier_mmsi"] == [carrier]  # type: ignore[index]


def test_a_carrier_list_is_read_relative_to_its_rule_file(tmp_path: Path) -> None:
    (tmp_path / "reefers.csv").write_text("mmsi,name,imo\n636000202,REEFER ONE,NA\n")
    (tmp_path / "rules.toml").write_text('[encounter]\ncarrier_list = "reefers.csv"\n')
    (spec,) = load_rule_files([tmp_path / "rules.toml"])
    rule = EncounterRule(spec, index())
    assert rule.carrier_mmsi == frozenset({B})


def test_the_gfw_carrier_file_loads_with_its_missing_imo_numbers() -> None:
    carriers = load_vessel_list(shared(CARRIERS), "carrier list")
    assert CHITOSE in carriers.mmsi
    assert 9666508 in carriers.imo  # CHITOSE's IMO number
    assert len(carriers.mmsi) > 1000


def test_a_second_table_runs_the_skylight_definition(tmp_path: Path) -> None:
    """250 m for 30 min is a short rendezvous, not yet a GFW encounter."""
    short = {"detector": "encounter", "max_distance_m": 250.0, "min_minutes": 30.0,
             "min_run_minutes": 30.0}  # fmt: skip
    alerts = alerts_of({"encounter": RULE, "rendezvous_short": short}, meeting(minutes=50))
    assert opened(alerts, "encounter") == []
    (alert,) = opened(alerts, "rendezvous_short")
    assert alert.updated == T0 + 30 * 60


def delayed_feed(p: Pipeline, track: list[Position], delay_s: float) -> list[Alert]:
    """Feed minute batches in which B's reports arrive ``delay_s`` after A's of the same time
    (a slower feed), each stamped with when it was sent."""
    alerts = p.process_records([static(A, T0 - 60), static(B, T0 - 60)]).alerts
    end = max(q.time or 0.0 for q in track) + delay_s + 60
    edge = T0 - 60
    while edge < end:
        batch = [q for q in track if q.mmsi != B and edge <= (q.time or 0.0) < edge + 60]
        batch += [q for q in track if q.mmsi == B
                  and edge - delay_s <= (q.time or 0.0) < edge - delay_s + 60]  # fmt: skip
        alerts += p.process_records(batch).alerts
        edge += 60
    return alerts


def test_reports_delivered_late_give_the_same_encounter() -> None:
    track = meeting()
    on_time = opened(alerts_of({"encounter": RULE}, track), "encounter")
    p = pipeline({"encounter": RULE})
    late = opened(delayed_feed(p, track, 600), "encounter")
    assert [(a.start, a.updated) for a in late] == [(a.start, a.updated) for a in on_time]
    assert encounter_rule(p).late_points == 0


def test_reports_later_than_the_allowance_are_counted_not_used() -> None:
    track = meeting()
    p = pipeline({"encounter": RULE})  # 15 minutes allowed
    assert opened(delayed_feed(p, track, 1800), "encounter") == []
    assert encounter_rule(p).late_points > 15
    patient = pipeline({"encounter": {**RULE, "lateness_minutes": 40.0}})
    (alert,) = opened(delayed_feed(patient, track, 1800), "encounter")
    assert alert.start == T0


def test_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="min_run_minutes"):
        RuleEngine([rule_spec("encounter", {"min_run_minutes": 200.0})], index())
    with pytest.raises(ConfigError, match="max_distance_m"):
        RuleEngine([rule_spec("encounter", {"max_distance_m": 0.0})], index())
    with pytest.raises(ConfigError, match="unknown setting"):
        RuleEngine([rule_spec("encounter", {"max_distance": 250.0})], index())


def test_vessels_under_way_hold_no_state() -> None:
    """A fleet at 12 kn can be in no encounter: nothing is resampled or kept for it, so the
    rule's memory follows the slow vessels, not the fleet."""
    p = pipeline({"encounter": RULE})
    fleet = [q for i in range(50)
             for q in leg(A + 1000 + i, T0, 0.5 + i * 0.02, 10.3, 60, 12, 60, 60)]
    run(p, fleet)
    rule = p.engine.rules[0]
    assert isinstance(rule, EncounterRule)
    assert len(rule.resampler) == 0 and rule.pairs == {} and rule.under_way == {}
