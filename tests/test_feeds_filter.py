"""What a partner receives of vessel positions: waters, ship types, never/always lists,
rounding and delay, each tested on both sides of its boundary."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import box

from mda.feeds.core import FeedRelease, FeedSet, SharedPosition
from mda.feeds.mqtt import position_json
from mda.feeds.precision import rounding_error_m
from mda.geo import distance_m
from mda.model import Position, VesselStatic
from mda.settings.feeds import parse_feeds
from mda.zones.index import ZoneIndex
from mda.zones.model import Zone
from tests.feed_kit import feed_set as new_feed_set
from tests.feed_kit import feed_step

EPS = 1e-6  # degrees: about 0.1 m, on the far side of a boundary

ZONES = [
    Zone("red-sea", "Red Sea", "sea", box(32.0, 12.5, 43.5, 30.0)),
    Zone("cable-1", "Cable one", "cable", box(43.0, 12.0, 43.2, 12.2)),
    Zone("aden", "Port of Aden", "port", box(45.0, 12.7, 45.1, 12.8)),
]


def feed_set(max_held: int = 1_000_000, **spec: Any) -> FeedSet:
    """One partner, 'p', with these settings."""
    config = parse_feeds({"p": {"formats": ["mqtt"], **spec}}, "feeds.toml", Path())
    return new_feed_set(config, ZoneIndex(ZONES), max_held=max_held)


def pos(mmsi: int, lat: float | None, lon: float | None, t: float | None = 1000.0,
        **fields: Any) -> Position:  # fmt: skip
    return Position(t, mmsi, 1, lat, lon, 10.0, 90.0, 90, 0, None, True, "station-7", **fields)


def static(mmsi: int, ship_type: int | None = None, imo: int | None = None) -> VesselStatic:
    return VesselStatic(900.0, mmsi, 5, shipname=f"SHIP {mmsi}", imo=imo, ship_type=ship_type)


def shared(feeds: FeedSet, positions: list[Position], statics: Sequence[VesselStatic] = (),
           watermark: float = 1000.0) -> list[SharedPosition]:  # fmt: skip
    (release,) = feed_step(feeds, positions, statics, [], watermark)
    return release.positions


def mmsis(
    feeds: FeedSet, positions: list[Position], statics: Sequence[VesselStatic] = ()
) -> set[int]:
    return {p.mmsi for p in shared(feeds, positions, statics)}


# -- waters ------------------------------------------------------------------------------------


def test_a_box_includes_its_edges_and_nothing_beyond() -> None:
    feeds = feed_set(bbox=[40.0, 10.0, 42.0, 11.0])
    inside = [pos(1, 10.0, 40.0), pos(2, 11.0, 42.0), pos(3, 10.5, 41.0)]
    outside = [pos(4, 10.0 - EPS, 41.0), pos(5, 11.0 + EPS, 41.0), pos(6, 10.5, 40.0 - EPS),
               pos(7, 10.5, 42.0 + EPS)]  # fmt: skip
    assert mmsis(feeds, inside + outside) == {1, 2, 3}


def test_a_box_across_the_antimeridian_wraps() -> None:
    feeds = feed_set(bbox=[170.0, -10.0, -170.0, 10.0])
    positions = [pos(1, 0.0, 175.0), pos(2, 0.0, -175.0), pos(3, 0.0, 180.0), pos(4, 0.0, 0.0),
                 pos(5, 0.0, 170.0 - EPS), pos(6, 0.0, -170.0 + EPS)]  # fmt: skip
    assert mmsis(feeds, positions) == {1, 2, 3}


def test_an_area_includes_its_boundary(tmp_path: Path) -> None:
    (tmp_path / "a.geojson").write_text(
        '{"type": "Polygon", "coordinates": [[[40, 10], [41, 10], [40, 11], [40, 10]]]}'
    )
    config = parse_feeds({"p": {"formats": ["mqtt"], "area": "a.geojson"}}, "f", tmp_path)
    feeds = new_feed_set(config)
    # On the hypotenuse from (41 E, 10 N) to (40 E, 11 N), and just beyond it.
    assert mmsis(feeds, [pos(1, 10.5, 40.5), pos(2, 10.5 + EPS, 40.5 + EPS)]) == {1}


def test_zones_by_id_and_by_kind_are_the_partners_waters() -> None:
    by_id = feed_set(zones=["red-sea"])
    by_kind = feed_set(zone_kinds=["cable"])
    in_sea, on_cable, in_port = pos(1, 20.0, 38.0), pos(2, 12.1, 43.1), pos(3, 12.75, 45.05)
    just_off_cable = pos(4, 12.1, 43.2 + EPS)
    assert mmsis(by_id, [in_sea, on_cable, in_port, just_off_cable]) == {1}
    assert mmsis(by_kind, [in_sea, on_cable, in_port, just_off_cable]) == {2}


def test_waters_are_the_union_of_zones_and_box() -> None:
    feeds = feed_set(zone_kinds=["port"], bbox=[40.0, 10.0, 42.0, 11.0])
    assert mmsis(feeds, [pos(1, 12.75, 45.05), pos(2, 10.5, 41.0), pos(3, 20.0, 38.0)]) == {1, 2}


def test_without_waters_every_sea_is_shared_but_only_positions_with_a_fix_and_time() -> None:
    feeds = feed_set()
    positions = [pos(1, 20.0, 38.0), pos(2, -60.0, -170.0), pos(3, None, None),
                 pos(4, 20.0, 38.0, t=None)]  # fmt: skip
    assert mmsis(feeds, positions) == {1, 2}


def test_only_vessels_are_shared_not_stations_aids_or_aircraft() -> None:
    feeds = feed_set()
    positions = [pos(1, 20.0, 38.0), pos(2, 20.0, 38.0, kind="base_station"),
                 pos(3, 20.0, 38.0, kind="aid_to_navigation"),
                 pos(4, 20.0, 38.0, kind="sar_aircraft")]  # fmt: skip
    assert mmsis(feeds, positions) == {1}


# -- ship types --------------------------------------------------------------------------------


def test_ship_types_admit_the_range_and_its_ends_only() -> None:
    feeds = feed_set(ship_types=["70-89"])
    statics = [static(m, t) for m, t in ((1, 69), (2, 70), (3, 89), (4, 90), (5, 0))]
    positions = [pos(m, 20.0, 38.0) for m in (1, 2, 3, 4, 5, 6)]  # 6 never sent a type
    assert mmsis(feeds, positions, statics) == {2, 3}


def test_vessels_of_unknown_type_only_when_the_feed_names_unknown() -> None:
    feeds = feed_set(ship_types=[30, "unknown"])
    statics = [static(1, 30), static(2, 0), static(3, 70)]
    positions = [pos(m, 20.0, 38.0) for m in (1, 2, 3, 4)]
    assert mmsis(feeds, positions, statics) == {1, 2, 4}


def test_a_vessel_is_shared_once_its_static_shows_an_admitted_type() -> None:
    feeds = feed_set(ship_types=["70-79"])
    assert mmsis(feeds, [pos(1, 20.0, 38.0)]) == set()
    assert mmsis(feeds, [pos(1, 20.0, 38.0, t=1010.0)], [static(1, 71)]) == {1}


# -- never and always --------------------------------------------------------------------------


def test_never_share_by_mmsi_or_imo_wins_over_everything() -> None:
    feeds = feed_set(never_share={"mmsi": [1], "imo": [9000002]},
                     always_share={"mmsi": [1, 2]})  # fmt: skip
    statics = [static(2, 70, imo=9000002), static(3, 70, imo=9000003)]
    assert mmsis(feeds, [pos(m, 20.0, 38.0) for m in (1, 2, 3)], statics) == {3}


def test_always_share_wins_over_waters_and_ship_types() -> None:
    feeds = feed_set(bbox=[40.0, 10.0, 42.0, 11.0], ship_types=[30],
                     always_share={"mmsi": [1], "imo": [9000002]})  # fmt: skip
    statics = [static(1, 70), static(2, 70, imo=9000002), static(3, 70)]
    far_away = [pos(m, -30.0, 100.0) for m in (1, 2, 3)]
    assert mmsis(feeds, far_away, statics) == {1, 2}


# -- precision ---------------------------------------------------------------------------------


def test_decimals_round_each_coordinate_on_either_side_of_the_half() -> None:
    feeds = feed_set(round_decimals=2)
    got = shared(feeds, [pos(1, 12.344999, 43.125001), pos(2, 12.345001, 43.124999)])
    assert [(p.lat, p.lon) for p in got] == [(12.34, 43.13), (12.35, 43.12)]


def test_a_metre_grid_moves_no_position_further_than_half_a_cell_diagonal() -> None:
    feeds = feed_set(round_m=1000)
    positions = [pos(m, 10.0 + m * 0.00731, 40.0 + m * 0.01137) for m in range(1, 60)]
    positions.append(pos(99, 69.9, 25.3))  # far north, where longitude cells are wide
    for true, got in zip(positions, shared(feeds, positions), strict=True):
        assert true.lat is not None and true.lon is not None
        moved = distance_m(true.lat, true.lon, got.lat, got.lon)
        assert moved <= rounding_error_m(got.lat, feeds.feeds[0].spec.precision) + 1.0


def test_positions_on_one_grid_cell_become_one_position() -> None:
    feeds = feed_set(round_m=1000)
    # 200 m apart in the same cell, and 200 m on the other side of a cell boundary.
    step = 1000 / (6_371_008.8 * math.pi / 180)  # one cell of latitude
    a, b = pos(1, 5 * step + 0.1 * step, 40.0), pos(2, 5 * step + 0.3 * step, 40.0)
    c = pos(3, 5 * step + 0.6 * step, 40.0)
    la, lb, lc = (p.lat for p in shared(feeds, [a, b, c]))
    assert la == lb != lc


def test_the_error_circle_grows_by_the_rounding() -> None:
    exact, rounded = feed_set(), feed_set(round_m=500)
    (e,) = shared(exact, [pos(1, 20.0, 38.0)])
    (r,) = shared(rounded, [pos(1, 20.0, 38.0)])
    assert e.ce_m == 10.0 and r.ce_m == pytest.approx(10.0 + 500 / math.sqrt(2), abs=0.1)


def test_receiving_stations_are_not_shared() -> None:
    (p,) = shared(feed_set(), [pos(1, 20.0, 38.0)])
    published = position_json(p)
    assert "station-7" not in repr(published) and "source" not in published


# -- delay -------------------------------------------------------------------------------------


def released(feeds: FeedSet, positions: list[Position], watermark: float) -> list[int]:
    (release,) = feed_step(feeds, positions, [], [], watermark)
    return [p.mmsi for p in release.positions]


def test_a_delay_holds_positions_until_event_time_has_passed_it() -> None:
    feeds = feed_set(delay_minutes=10)
    assert released(feeds, [pos(1, 20.0, 38.0, t=1000.0)], 1000.0) == []
    assert released(feeds, [pos(2, 20.0, 38.0, t=1100.0)], 1599.999) == []
    assert released(feeds, [], 1600.0) == [1]
    (release,) = feed_step(feeds, watermark=1700.0)  # event time moved on: a clock tick
    assert [p.mmsi for p in release.positions] == [2]


def test_held_positions_come_out_in_event_time_order() -> None:
    feeds = feed_set(delay_minutes=1)
    late = [pos(1, 20.0, 38.0, t=1030.0), pos(2, 20.0, 38.0, t=1000.0)]
    assert released(feeds, late, 1030.0) == []
    assert released(feeds, [], 2000.0) == [2, 1]


def test_a_full_delay_buffer_drops_and_counts() -> None:
    feeds = feed_set(max_held=2, delay_minutes=1)
    assert released(feeds, [pos(m, 20.0, 38.0) for m in (1, 2, 3)], 1000.0) == []
    assert feeds.feeds[0].counts.dropped_held == 1
    assert released(feeds, [], 5000.0) == [1, 2]


def test_without_a_delay_positions_go_at_once_whatever_the_watermark() -> None:
    feeds = feed_set()
    assert released(feeds, [pos(1, 20.0, 38.0, t=1000.0)], float("-inf")) == [1]


def test_two_partners_get_different_views_of_one_batch() -> None:
    config = parse_feeds(
        {"a": {"formats": ["mqtt"], "bbox": [40, 10, 42, 11]},
         "b": {"formats": ["mqtt"], "never_share": {"mmsi": [2]}, "round_decimals": 1}},
        "feeds.toml", Path(),
    )  # fmt: skip
    feeds = new_feed_set(config)
    releases: list[FeedRelease] = feed_step(feeds, [pos(1, 10.5, 41.0), pos(2, 10.52, 41.0),
                                              pos(3, 20.0, 38.0)], [], [], 1000.0)  # fmt: skip
    a, b = releases
    assert [(p.mmsi, p.lat) for p in a.positions] == [(1, 10.5), (2, 10.52)]
    assert [(p.mmsi, p.lat) for p in b.positions] == [(1, 10.5), (3, 20.0)]


def test_a_feed_naming_a_zone_or_rule_that_is_not_loaded_is_refused() -> None:
    from mda.errors import ConfigError

    config = parse_feeds({"p": {"formats": ["mqtt"], "zones": ["red-sae"]}}, "feeds.toml", Path())
    with pytest.raises(
        ConfigError, match=r"\[feeds.p\] zones: no loaded zone has the id 'red-sae'"
    ):
        new_feed_set(config, ZoneIndex(ZONES))
    config = parse_feeds({"p": {"formats": ["mqtt"], "rules": ["loiter"]}}, "feeds.toml", Path())
    with pytest.raises(ConfigError, match=r"\[feeds.p\] rules: no rule is named 'loiter'"):
        new_feed_set(config, ZoneIndex(ZONES), rules=["loitering"])


def test_fix_times_are_forgotten_with_the_vessels_the_vessel_state_forgot() -> None:
    feeds = feed_set()
    feeds.vessels.vessel(1)  # the pipeline's vessel state knows the vessel
    assert shared(feeds, [pos(1, 20.0, 38.0, t=1000.0)], watermark=1000.0)[0].interval_s is None
    assert shared(feeds, [pos(1, 20.0, 38.0, t=1100.0)], watermark=1100.0)[0].interval_s == 100.0
    del feeds.vessels.vessels[1]  # forgotten (stale, or over the cap)
    (later,) = shared(feeds, [pos(1, 20.0, 38.0, t=9000.0)], watermark=9000.0)
    assert later.interval_s is None
