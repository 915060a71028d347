"""Batch membership and distances agree with plain shapely and geodesic measurement."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from mda.zones import ZoneIndex, load_zones
from mda.zones.catalog import load_file
from mda.zones.geodesic import densify, point_to_line_m
from tests.data import shared

CATALOG = load_zones()
ZONES = list(CATALOG)
INDEX = ZoneIndex(ZONES)


def random_positions(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions over the three regions, denser near the zones' edges (ports, cables)."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-20.0, 55.0, n)
    lat = rng.uniform(-10.0, 46.0, n)
    # Half of them right around ports and cable routes, where membership is decided.
    anchors = np.array(
        [(z.point.x, z.point.y) for z in ZONES if z.point is not None]
        + [c for z in ZONES if z.line is not None for c in shapely.get_coordinates(z.line)[::5]]
    )
    pick = anchors[rng.integers(0, len(anchors), n // 2)]
    lon[: n // 2] = pick[:, 0] + rng.normal(0, 0.03, n // 2)
    lat[: n // 2] = pick[:, 1] + rng.normal(0, 0.03, n // 2)
    return lon, lat


def test_membership_equals_a_plain_shapely_test_of_every_zone() -> None:
    lon, lat = random_positions(20_000, seed=7)
    got = INDEX.locate(lon, lat)
    expected_points, expected_zones = [], []
    for z, zone in enumerate(ZONES):
        inside = np.flatnonzero(shapely.intersects_xy(zone.area, lon, lat))
        expected_points.append(inside)
        expected_zones.append(np.full(len(inside), z))
    p = np.concatenate(expected_points)
    zz = np.concatenate(expected_zones)
    order = np.lexsort((zz, p))
    assert len(got.point) > 5_000
    np.testing.assert_array_equal(got.point, p[order])
    np.testing.assert_array_equal(got.zone, zz[order])


def test_positions_without_a_fix_are_in_no_zone() -> None:
    membership = INDEX.locate([np.nan, 39.15], [np.nan, 21.47])
    assert set(membership.point.tolist()) == {1}


def test_cables_within_a_distance_match_geodesic_measurement() -> None:
    lon, lat = random_positions(2_000, seed=11)
    within = 5_000.0
    got = {(i, INDEX.zone_ids[z]): d for i, z, d in INDEX.near_lines(lon, lat, within)}
    points = shapely.points(lon, lat)
    expected = {}
    for zone in ZONES:
        if zone.line is None:
            continue
        route = densify(zone.line)
        # Screen in degrees, generously (a degree of longitude is over 75 km up to 46 N),
        # then measure every survivor on the ellipsoid.
        screened = np.flatnonzero(shapely.distance(points, route) <= within / 70_000.0)
        for i in screened.tolist():
            d = point_to_line_m(float(lon[i]), float(lat[i]), route)
            if d <= within:
                expected[(i, zone.id)] = d
    assert len(expected) > 100
    assert got.keys() == expected.keys()
    for key, d in expected.items():
        assert got[key] == pytest.approx(d, abs=0.01)


def test_a_corridor_contains_exactly_the_positions_within_half_its_width() -> None:
    lon, lat = random_positions(4_000, seed=3)
    cable = CATALOG.get("cable-2africa")
    assert cable is not None and cable.line is not None and cable.width_m
    inside = set(
        INDEX.locate(lon, lat).point[INDEX.locate(lon, lat).zone == ZONES.index(cable)].tolist()
    )
    near = {i for i, z, d in INDEX.near_lines(lon, lat, 3_000.0) if INDEX.zone_ids[z] == cable.id}
    distances = {
        i: d for i, z, d in INDEX.near_lines(lon, lat, 3_000.0) if INDEX.zone_ids[z] == cable.id
    }
    half = cable.width_m / 2
    # Within a metre of the edge the polygon's chords may decide either way.
    assert {i for i in near if distances[i] < half - 40} <= inside
    assert not {i for i in inside if i in distances and distances[i] > half + 5}


def test_distance_to_shore_and_position_on_land_with_natural_earth() -> None:
    land = load_file(shared("zones/natural_earth_v4/ne_10m_land_aoi.geojson"))
    for zone in land:
        assert zone.kind == "custom"  # a plain area: our importer gives kind "land"
    index = ZoneIndex(ZONES, coastline=[z.area for z in land])
    # Off Alexandria, about 10 km out; inland at Cairo; mid-Mediterranean far from any shore.
    d = index.distance_to_shore_m([29.85, 31.24, 18.0], [31.29, 30.04, 35.0])
    assert 7_000 < d[0] < 14_000
    assert np.isinf(d[2])
    land_index = ZoneIndex(land)
    assert land_index.locate([31.24, 18.0], [30.04, 35.0]).point.tolist() == [0]
