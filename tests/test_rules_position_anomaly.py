"""Position rules: impossible jumps, positions on land, and signs of GNSS spoofing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shapely.geometry import box

from mda.geo import KNOT_MS, destination
from mda.model import Alert, Position
from mda.pipeline import Pipeline, build_pipeline
from mda.resources import default_folder
from mda.rules.engine import RuleEngine
from mda.rules.settings import rule_spec
from mda.zones.catalog import zones_from_geojson
from mda.zones.importers import natural_earth_land, write_features
from mda.zones.index import ZoneIndex
from tests.data import AIS, read_lines, shared
from tests.rule_kit import T0, ZONES, fix, leg, opened, pipeline, run
from tests.test_rules_identity import gfw_records, replay

SHIP = 636_000_031
OTHER = 636_000_032
ANOMALY = {"position_anomaly": {"min_speed_kn": 50.0, "confirm_fixes": 3, "repeat_jumps": 4,
                                "window_minutes": 60.0, "quiet_minutes": 60.0}}  # fmt: skip


def background(hours: float) -> list[Position]:
    return leg(OTHER, T0, 0.3, 11.8, 0, 0.5, hours * 60, every_s=60)


def of(alerts: Sequence[Alert], rule: str, mmsi: int = SHIP) -> list[Alert]:
    return [a for a in alerts if a.rule == rule and a.mmsi == mmsi]


# -- jumps -------------------------------------------------------------------------------------


def relocated(fixes_after: int, every_s: float = 30.0) -> list[Position]:
    """30 min at 12 kn, then the next fix 75 nm away and ``fixes_after`` more from there."""
    before = leg(SHIP, T0, 1.0, 10.5, 90, 12, 30, every_s=every_s)
    after = leg(SHIP, T0 + 1800, 1.8, 11.5, 90, 12, (fixes_after + 1) * every_s / 60, every_s)
    return [*before, *after]


def test_a_jump_kept_by_the_next_three_fixes_is_one_alert() -> None:
    found = of(run(pipeline(ANOMALY), relocated(10)), "position_anomaly")
    (alert,) = [a for a in found if a.state == "open"]
    assert T0 + 1800 + 90 <= alert.updated <= T0 + 1800 + 120
    evidence = alert.body["evidence"]
    assert 70 <= evidence["jump_nm"] <= 80  # type: ignore[index]
    assert evidence["implied_speed_knots"] > 5000  # type: ignore[index]


def test_a_jump_kept_by_only_two_fixes_is_not_yet_an_alert() -> None:
    assert opened(run(pipeline(ANOMALY), relocated(2)), "position_anomaly") == []


def test_a_single_wild_fix_is_not_an_alert() -> None:
    track = leg(SHIP, T0, 1.0, 10.5, 90, 12, 60, every_s=30)
    track[40] = track[40]._replace(lat=1.9, lon=11.9)
    assert opened(run(pipeline(ANOMALY), track), "position_anomaly") == []


WILD = [(1.9, 11.9), (0.1, 11.9), (1.9, 10.1), (0.1, 10.1)]  # each far from the others


def wild(count: int) -> list[Position]:
    """A track with ``count`` single wild fixes 10 min apart."""
    track = leg(SHIP, T0, 1.0, 10.5, 90, 12, 90, every_s=30)
    for i in range(count):
        k = 20 + 20 * i
        track[k] = track[k]._replace(lat=WILD[i][0], lon=WILD[i][1])
    return track


def test_four_wild_fixes_within_an_hour_are_one_episode_that_clears() -> None:
    found = of(run(pipeline(ANOMALY), [*wild(4), *background(4)]), "position_anomaly")
    assert [a.state for a in found] == ["open", "cleared"]
    assert "4 position jumps" in found[0].message


def test_three_wild_fixes_are_under_the_threshold() -> None:
    assert opened(run(pipeline(ANOMALY), wild(3)), "position_anomaly") == []


def after_silence(distance_nm: float) -> list[Position]:
    """Heard for 30 min, silent 2 h, heard again ``distance_nm`` further on (then 30 min)."""
    before = leg(SHIP, T0, 1.0, 10.3, 90, 12, 30, every_s=30)
    lat, lon = destination(1.0, 10.3, 90, distance_nm * 1852)
    return [*before, *leg(SHIP, T0 + 1800 + 7200, lat, lon, 90, 12, 30, every_s=30)]


def test_a_reappearance_needing_40_knots_is_no_alert_but_60_knots_is() -> None:
    assert opened(run(pipeline(ANOMALY), after_silence(80)), "position_anomaly") == []
    assert len(opened(run(pipeline(ANOMALY), after_silence(120)), "position_anomaly")) == 1


def test_two_transmitters_are_the_shared_mmsi_alert_not_a_position_anomaly() -> None:
    a = leg(SHIP, T0, 1.0, 10.5, 90, 12, 60, every_s=30)
    b = leg(SHIP, T0 + 615, 1.8, 11.5, 270, 12, 50, every_s=30)
    found = run(pipeline({**ANOMALY, "shared_mmsi": {}}), [*a, *b])
    assert opened(found, "position_anomaly") == []
    assert len(opened(found, "shared_mmsi")) == 1


def test_on_real_reference_data_the_one_jump_kept_is_a_real_mmsi_shared_by_two() -> None:
    """GFW's real AIS: 412588888 is heard in the Gulf of Guinea, then within hours in the
    Taiwan Strait and back (6,400 nm): the only jump the next fixes keep."""
    found = opened(replay(pipeline({"position_anomaly": {}}), gfw_records(), 600.0),
                   "position_anomaly")  # fmt: skip
    assert [a.mmsi for a in found] == [412_588_888]
    assert found[0].body["evidence"]["jump_nm"] > 6000  # type: ignore[index]


# -- land --------------------------------------------------------------------------------------

LAND = box(10.0, 1.5, 10.5, 2.0)  # the north-west corner of the test sea is land
LAND_RULE = {"position_anomaly": {"exclude_zones": ["kind:port"], "land_tolerance_m": 1000.0,
                                  "land_min_fixes": 3}}  # fmt: skip


def land_pipeline(rules: dict[str, dict[str, Any]]) -> Pipeline:
    features = [*ZONES["features"],
                {"type": "Feature", "properties": {"id": "test-land", "name": "Test Land",
                                                   "kind": "land"},
                 "geometry": LAND.__geo_interface__},
                {"type": "Feature", "properties": {"id": "river-port", "name": "River Port",
                                                   "kind": "port", "radius_m": 3000},
                 "geometry": {"type": "Point", "coordinates": [10.3, 1.8]}}]  # fmt: skip
    zones = zones_from_geojson({"type": "FeatureCollection", "features": features}, "test",
                               "test zones")  # fmt: skip
    idx = ZoneIndex(zones, [LAND])
    engine = RuleEngine([rule_spec(n, dict(t)) for n, t in rules.items()], idx)
    return Pipeline(idx, engine)


def parked(lat: float, lon: float, count: int, start: float = T0) -> list[Position]:
    return [fix(SHIP, start + 60 * i, lat, lon, 0.0, None, None) for i in range(count)]


def test_three_fixes_well_inland_are_an_apparent_false_position() -> None:
    found = of(run(land_pipeline(LAND_RULE), parked(1.75, 10.2, 5)), "position_anomaly")
    (alert,) = found
    assert alert.zone_id == "test-land"
    assert alert.updated == T0 + 120  # the third fix
    assert 20 < alert.body["evidence"]["distance_inland_km"] < 30  # type: ignore[index]


def test_two_fixes_inland_are_not_enough() -> None:
    assert run(land_pipeline(LAND_RULE), parked(1.75, 10.2, 2)) == []


def test_half_a_kilometre_inland_is_within_the_tolerance() -> None:
    assert run(land_pipeline(LAND_RULE), parked(1.5045, 10.25, 10)) == []  # 500 m


def test_an_inland_port_is_never_an_anomaly() -> None:
    assert run(land_pipeline(LAND_RULE), parked(1.8, 10.31, 10)) == []


def test_the_alert_clears_back_at_sea() -> None:
    track = [*parked(1.75, 10.2, 5), *parked(1.0, 10.8, 3, start=T0 + 600)]
    found = of(run(land_pipeline(LAND_RULE), track), "position_anomaly")
    assert [a.state for a in found] == ["open", "cleared"]


def test_no_land_alarm_along_the_real_coasts_of_the_channel_islands(tmp_path: Path) -> None:
    """A real recording sailing to Guernsey among the Channel Islands (14,000 fixes, many
    within a kilometre or two of the shore) against Natural Earth 1:10m land and minor
    islands: no position is more than 1 km inland."""
    base = "zones/natural_earth_v4"
    for name in ("ne_10m_land_aoi.geojson", "ne_10m_minor_islands_aoi.geojson"):
        write_features(natural_earth_land(shared(f"{base}/{name}")).features, tmp_path / name)
    rules = tmp_path / "rules.toml"
    rules.write_text('[position_anomaly]\nexclude_zones = ["kind:port", "kind:anchorage"]\n')
    p = build_pipeline([default_folder("zones"), tmp_path], [rules])
    assert any(z.kind == "land" for z in p.index.zones)
    lines = [line.strip() for line in read_lines(AIS / "OpenCPN/Go_to_Guernesey.txt")]
    alerts = [a for i in range(0, len(lines), 5000)
              for a in p.process(lines[i : i + 5000], "guernsey").alerts]  # fmt: skip
    assert alerts == []


# -- spoofing ----------------------------------------------------------------------------------

SPOOFING = {"spoofing": {"min_vessels": 5, "point_decimals": 4, "window_minutes": 10.0}}
POINT = (1.2345, 11.4321)


def moored_at(points: Sequence[tuple[float, float]], minutes: float = 15) -> list[Position]:
    """One moored vessel per point, reporting every 30 s."""
    return [
        fix(636_000_100 + i, T0 + 30 * k + i, lat, lon, 0.0, None, 45, nav=5)
        for i, (lat, lon) in enumerate(points)
        for k in range(int(minutes * 2))
    ]  # fmt: skip


def test_five_vessels_standing_at_one_point_are_spoofing_named_in_one_alert() -> None:
    (alert,) = opened(run(pipeline(SPOOFING), moored_at([POINT] * 5)), "spoofing")
    evidence = alert.body["evidence"]
    assert evidence["mmsis"] == [636_000_100 + i for i in range(5)]  # type: ignore[index]
    assert (evidence["point_lat"], evidence["point_lon"]) == POINT  # type: ignore[index]
    assert alert.mmsi == 636_000_100


def test_four_vessels_at_one_point_are_not_enough() -> None:
    assert run(pipeline(SPOOFING), moored_at([POINT] * 4)) == []


def test_five_vessels_fifty_metres_apart_are_a_berth_not_a_spoof() -> None:
    points = [destination(*POINT, 90, 50.0 * i) for i in range(5)]
    assert run(pipeline(SPOOFING), moored_at(points)) == []


def test_receivers_without_a_fix_at_zero_zero_are_not_a_spoof() -> None:
    assert run(pipeline(SPOOFING), moored_at([(0.0, 0.0)] * 6)) == []


def test_vessels_passing_the_same_point_are_not_a_spoof() -> None:
    passing = [p for i in range(6) for p in leg(636_000_100 + i, T0 + 60 * i, POINT[0],
                                                 POINT[1], 90, 10, 5)]  # fmt: skip
    assert run(pipeline(SPOOFING), passing) == []


def ring(turns: float, heading_follows: bool, radius_m: float = 500.0) -> list[Position]:
    """Fixes every 10 s going round (1.0, 11.5) clockwise, a turn every 12 min."""
    out = []
    steps = int(turns * 72)
    speed_kn = 2 * 3.14159 * radius_m / 720 / KNOT_MS
    for k in range(steps):
        bearing = (5.0 * k) % 360
        lat, lon = destination(1.0, 11.5, bearing, radius_m)
        course = (bearing + 90) % 360
        out.append(fix(SHIP, T0 + 10 * k, lat, lon, speed_kn, course,
                       course if heading_follows else 45, nav=5))  # fmt: skip
    return out


def test_a_moored_ship_circling_a_point_twice_is_spoofing() -> None:
    (alert,) = opened(run(pipeline(SPOOFING), ring(2.5, heading_follows=False)), "spoofing")
    evidence = alert.body["evidence"]
    assert evidence["sign"] == "ring"  # type: ignore[index]
    assert 450 <= evidence["radius_m"] <= 550  # type: ignore[index]
    assert abs(evidence["centre_lat"] - 1.0) < 0.001  # type: ignore[index]
    assert abs(evidence["centre_lon"] - 11.5) < 0.001  # type: ignore[index]


def test_a_ship_turning_its_bow_round_the_circle_is_really_circling() -> None:
    assert run(pipeline(SPOOFING), ring(2.5, heading_follows=True)) == []


def test_one_and_a_half_turns_are_under_the_threshold() -> None:
    assert run(pipeline(SPOOFING), ring(1.5, heading_follows=False)) == []


def test_a_gentle_bend_is_not_a_ring() -> None:
    bend = []
    lat, lon, course = 1.0, 10.5, 0.0
    for k in range(360):  # 1 h at 12 kn, the course turning 1 degree a fix: a big circle
        bend.append(fix(SHIP, T0 + 10 * k, lat, lon, 12, course % 360, 45))
        lat, lon = destination(lat, lon, course, 12 * KNOT_MS * 10)
        course += 1.0 + (5.0 if k % 2 else -5.0)  # a noisy course adds up to turns
    assert run(pipeline(SPOOFING), bend) == []
