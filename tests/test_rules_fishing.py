"""Apparent fishing where it is not allowed, and fishing under a non-fishing ship type.

A test sea with three regimes side by side: a no-take park, a licensed EEZ of Ghana (flag GH)
and an artisanal inshore zone. A trawler tows back and forth at 3 kn with turns at the ends
(fishing); the same trawler crossing at 10 kn is transit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mda.activity.classify import FISHING, ActivityParams, classify_track
from mda.errors import ConfigError
from mda.model import Alert, Position, VesselStatic
from mda.pipeline import Pipeline
from mda.rules.engine import RuleEngine
from mda.rules.fishing import FishingTypeMismatchRule, RestrictedFishingRule
from mda.rules.settings import rule_spec
from mda.zones.catalog import zones_from_geojson
from mda.zones.index import ZoneIndex
from tests.rule_kit import T0, end_of, leg, opened, run

GH = 627_000_001  # Ghana (domestic in the licensed zone)
LR = 636_000_002  # Liberia (foreign)
PARK = (0.6, 10.6)  # centre of the no-take park
EEZ = (1.5, 10.5)
INSHORE = (1.5, 11.5)


def _square(zone_id: str, kind: str, centre: tuple[float, float], **props: Any) -> dict[str, Any]:
    lat, lon = centre
    ring = [[lon - 0.25, lat - 0.25], [lon + 0.25, lat - 0.25], [lon + 0.25, lat + 0.25],
            [lon - 0.25, lat + 0.25], [lon - 0.25, lat - 0.25]]  # fmt: skip
    return {"type": "Feature", "properties": {"id": zone_id, "name": zone_id, "kind": kind,
                                              **props},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip


ZONES = {
    "type": "FeatureCollection",
    "features": [
        _square("park", "mpa", PARK, fishing="no_take"),
        _square("eez-gh", "eez", EEZ),
        _square("inshore", "custom", INSHORE, fishing="artisanal"),
    ],
}


def pipeline(rules: dict[str, dict[str, Any]]) -> Pipeline:
    index = ZoneIndex(zones_from_geojson(ZONES, "test", "test zones"))
    specs = [rule_spec(name, dict(table)) for name, table in rules.items()]
    return Pipeline(index, RuleEngine(specs, index))


RESTRICTED = {"restricted_fishing": {"severity": "alarm", "ship_types": [30, "unknown"],
                                     "licensed_zones": ["eez-gh"],
                                     "domestic_flags": ["eez-gh=GH"]}}  # fmt: skip


def trawl(
    mmsi: int, centre: tuple[float, float], hours: float, start: float = T0
) -> list[Position]:
    """An hour's steaming in at 10 kn, tows of 20 min at 3 kn back and forth with slow turns
    for ``hours``, and two hours steaming out."""
    lat, lon = centre[0], centre[1] - 0.4
    track = leg(mmsi, start, lat, lon, 90, 10, 60)  # into the zone (its edge is at -0.25)
    t, lat, lon = end_of(track)
    course = 0.0
    while t < start + 3600 + hours * 3600:
        track += leg(mmsi, t, lat, lon, course, 3.0, 20)
        t, lat, lon = end_of(track)
        track += leg(mmsi, t, lat, lon, (course + 90) % 360, 1.5, 4)
        t, lat, lon = end_of(track)
        course = (course + 180) % 360
    return track + leg(mmsi, t, lat, lon, 270, 10, 120)


def transit(mmsi: int, centre: tuple[float, float]) -> list[Position]:
    """Straight through the zone at 10 kn."""
    return leg(mmsi, T0, centre[0], centre[1] - 0.4, 90, 10, 90)


def statics(mmsi: int, ship_type: int = 30, length: int = 40, imo: int | None = None
            ) -> list[VesselStatic]:  # fmt: skip
    return [VesselStatic(time=T0, mmsi=mmsi, msg_type=5, shipname=f"TRAWLER {mmsi % 100}",
                         callsign="TEST1", imo=imo, ship_type=ship_type, to_bow=length - 5,
                         to_stern=5)]  # fmt: skip


def _alerts(rules: dict[str, dict[str, Any]], positions: list[Position],
            records: list[VesselStatic]) -> list[Alert]:  # fmt: skip
    return run(pipeline(rules), positions, records)


def test_trawler_fishing_in_a_no_take_park_raises_one_alarm_with_evidence() -> None:
    alerts = _alerts(RESTRICTED, trawl(LR, PARK, 2.0), statics(LR))
    (alert,) = opened(alerts, "restricted_fishing")
    assert alert.zone_id == "park" and alert.severity == "alarm"
    assert "apparent fishing in park, a no-take area" in alert.message
    evidence: dict[str, Any] = alert.body["evidence"]  # type: ignore[assignment]
    assert evidence["duration_minutes"] >= 20
    assert evidence["positions"] > 5 and evidence["distance_km"] >= 0.5
    assert evidence["mean_speed_knots"] < 10
    # Fishing starts after the hour's steaming; the alert needs a 20-min event.
    assert T0 + 3600 <= alert.start <= T0 + 3600 + 600
    assert T0 + 3600 + 20 * 60 <= alert.updated <= T0 + 3600 + 45 * 60
    states = [a.state for a in alerts if a.rule == "restricted_fishing"]
    assert states == ["open", "cleared"]


def test_transit_through_the_park_is_not_fishing() -> None:
    alerts = _alerts(RESTRICTED, transit(LR, PARK), statics(LR))
    assert opened(alerts, "restricted_fishing") == []


def test_fishing_shorter_than_an_event_is_not_reported() -> None:
    """One 15-minute tow: under GFW's 20-minute minimum. Twice as long is an event."""

    def one_tow(minutes: float) -> list[Position]:
        track = leg(LR, T0, PARK[0], PARK[1] - 0.4, 90, 10, 60)
        t, lat, lon = end_of(track)
        track += leg(LR, t, lat, lon, 0, 3.0, minutes)
        t, lat, lon = end_of(track)
        return track + leg(LR, t, lat, lon, 270, 10, 120)

    assert opened(_alerts(RESTRICTED, one_tow(15), statics(LR)), "restricted_fishing") == []
    assert len(opened(_alerts(RESTRICTED, one_tow(30), statics(LR)), "restricted_fishing")) == 1


def test_licensed_zone_admits_domestic_flags_and_licence_holders(tmp_path: Path) -> None:
    foreign = _alerts(RESTRICTED, trawl(LR, EEZ, 2.0), statics(LR))
    (alert,) = opened(foreign, "restricted_fishing")
    assert alert.zone_id == "eez-gh" and "without a licence (flag LR)" in alert.message
    domestic = _alerts(RESTRICTED, trawl(GH, EEZ, 2.0), statics(GH))
    assert opened(domestic, "restricted_fishing") == []
    (tmp_path / "licences.csv").write_text("mmsi,imo,name\n,9123456,LICENSED TRAWLER\n")
    table = {**RESTRICTED["restricted_fishing"], "licence_lists": ["eez-gh=licences.csv"]}
    spec = rule_spec("restricted_fishing", table)
    spec = type(spec)(spec.scope, spec.params, spec.where, folder=tmp_path)
    index = ZoneIndex(zones_from_geojson(ZONES, "test", "test zones"))
    licensed = run(Pipeline(index, RuleEngine([spec], index)), trawl(LR, EEZ, 2.0),
                   statics(LR, imo=9123456))  # fmt: skip
    assert opened(licensed, "restricted_fishing") == []


def test_artisanal_zone_is_closed_to_vessels_over_the_length_limit() -> None:
    big = _alerts(RESTRICTED, trawl(LR, INSHORE, 2.0), statics(LR, length=40))
    (alert,) = opened(big, "restricted_fishing")
    assert "vessel of 40 m" in alert.message and alert.zone_id == "inshore"
    small = _alerts(RESTRICTED, trawl(LR, INSHORE, 2.0), statics(LR, length=12))
    assert opened(small, "restricted_fishing") == []


def test_other_ship_types_are_out_of_scope_but_a_cargo_type_that_fishes_is_a_mismatch() -> None:
    rules = {**RESTRICTED, "fishing_type_mismatch": {"ship_types": ["70-89"]}}
    alerts = _alerts(rules, trawl(LR, PARK, 2.0), statics(LR, ship_type=70))
    assert opened(alerts, "restricted_fishing") == []
    (alert,) = opened(alerts, "fishing_type_mismatch")
    assert "fishing while broadcasting ship type 70" in alert.message
    assert alert.zone_id is None
    # Strong evidence: tows at 3 kn for most of the hour, turning at both ends of a tow.
    evidence: dict[str, Any] = alert.body["evidence"]  # type: ignore[assignment]
    assert evidence["working_minutes"] >= 45 and evidence["working_km"] >= 3.0
    assert evidence["turning_degrees"] >= 300


def test_a_fishing_vessel_is_no_mismatch_and_a_cargo_ship_in_transit_is_not_watched() -> None:
    rules = {"fishing_type_mismatch": {"ship_types": ["70-89"]}}
    fishing = _alerts(rules, trawl(LR, PARK, 2.0), statics(LR, ship_type=30))
    assert opened(fishing, "fishing_type_mismatch") == []
    p = pipeline(rules)
    run(p, transit(LR, PARK), statics(LR, ship_type=70))
    rule = p.engine.rules[0]
    assert isinstance(rule, FishingTypeMismatchRule) and rule.tracks == {}


def test_a_cargo_ship_drifting_for_hours_is_no_mismatch() -> None:
    # Waiting for a berth or an escort: two hours drifting at 1 kn on a steady set, then an
    # hour at 0.3 kn (inside the test zones); slow movement alone is no evidence of fishing.
    rules = {"fishing_type_mismatch": {"ship_types": ["70-89"]}}
    drift = leg(LR, T0, PARK[0], PARK[1], 200, 1.0, 120)
    t, lat, lon = end_of(drift)
    drift += leg(LR, t, lat, lon, 230, 0.3, 60)
    alerts = _alerts(rules, drift, statics(LR, ship_type=70))
    assert opened(alerts, "fishing_type_mismatch") == []
    # The same drift under the fishing rules' ordinary evidence would read as slow work.
    t = np.array([q.time for q in drift], dtype=float)
    la = np.array([q.lat for q in drift], dtype=float)
    lo = np.array([q.lon for q in drift], dtype=float)
    assert np.mean(classify_track(t, la, lo, params=ActivityParams()) == FISHING) > 0.5


def stop_and_drift(mmsi: int) -> list[Position]:
    """A cargo ship at 13 kn stops, lies drifting for an hour as the current swings her round
    (0.5-0.7 kn, heading back the way she came), then steams on (Gulf of Aden scenario)."""
    lat, lon = PARK[0], PARK[1] - 0.3
    track: list[Position] = []
    t = T0
    for course, knots, minutes in ((70, 13, 30), (70, 6, 2), (70, 3, 2), (290, 0.6, 20),
                                   (300, 0.5, 20), (230, 0.7, 15), (70, 3, 2), (70, 6, 2),
                                   (70, 13, 60)):  # fmt: skip
        track += leg(mmsi, t, lat, lon, course, knots, minutes)
        t, lat, lon = end_of(track)
    return track


def test_a_cargo_ship_stopped_an_hour_is_no_mismatch_without_strong_evidence() -> None:
    """Issue 17: "a cargo ship stopped for an hour in the Gulf of Aden is not fishing". Its
    turns as it slows and as it gets under way again read as minutes of fishing that GFW's
    joining rule makes an hour's event; the rule also wants that hour worked at 2 kn or more
    with repeated turning, which a stopped ship never shows. Without those demands (all set to
    0) the same track is a mismatch, so it is the strong evidence that keeps it quiet."""
    default = {"fishing_type_mismatch": {"ship_types": ["70-89"]}}
    assert opened(_alerts(default, stop_and_drift(LR), statics(LR, ship_type=70)),
                  "fishing_type_mismatch") == []  # fmt: skip
    weak = {"fishing_type_mismatch": {"ship_types": ["70-89"], "working_min_kn": 0.0,
                                      "min_working_minutes": 0.0, "min_working_km": 0.0,
                                      "min_turning_degrees": 0.0}}  # fmt: skip
    (alert,) = opened(_alerts(weak, stop_and_drift(LR), statics(LR, ship_type=70)),
                      "fishing_type_mismatch")  # fmt: skip
    evidence: dict[str, Any] = alert.body["evidence"]  # type: ignore[assignment]
    assert evidence["turning_degrees"] < 300 and evidence["working_km"] < 3.0


def test_state_is_dropped_when_the_vessel_has_left() -> None:
    p = pipeline(RESTRICTED)
    run(p, trawl(LR, PARK, 1.0) + leg(LR, T0 + 4 * 3600, 0.0, 10.0, 90, 10, 7 * 60), statics(LR))
    rule = p.engine.rules[0]
    assert isinstance(rule, RestrictedFishingRule) and rule.tracks == {} and rule.open == {}


def test_configuration_mistakes_name_the_setting() -> None:
    with pytest.raises(ConfigError, match="licensed zone 'eez-gh' has no domestic flags"):
        pipeline({"restricted_fishing": {"licensed_zones": ["eez-gh"]}})
    with pytest.raises(ConfigError, match="is not 'zone-id=value'"):
        pipeline({"restricted_fishing": {"domestic_flags": ["GH"]}})
    with pytest.raises(ConfigError, match="no loaded zone has the id 'eez-xx'"):
        pipeline({"restricted_fishing": {"domestic_flags": ["eez-xx=GH"]}})
    with pytest.raises(ConfigError, match="cannot read"):
        pipeline({"restricted_fishing": {"licensed_zones": ["eez-gh"],
                                         "licence_lists": ["eez-gh=missing.csv"]}})  # fmt: skip
