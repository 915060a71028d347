"""Corridors, circles and distances are right in metres, at every latitude."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString, Point

from mda.zones.geodesic import GEOD, circle, corridor, point_to_line_m


def boundary_distances(line: LineString | MultiLineString, width_m: float) -> np.ndarray:
    area = corridor(line, width_m)
    rings = [area.exterior] if area.geom_type == "Polygon" else [p.exterior for p in area.geoms]
    points = np.concatenate([np.asarray(r.coords)[:, :2] for r in rings])
    return np.array([point_to_line_m(x, y, line) for x, y in points[::3]])


@pytest.mark.parametrize("lat", [0.0, 15.0, 30.0, 45.0, 60.0, 70.0, -35.0])
def test_corridor_half_width_is_the_requested_width_at_every_latitude(lat: float) -> None:
    line = LineString([(10.0, lat), (13.0, lat + 1.0), (15.0, lat + 0.2)])  # ~400 km, bends
    distances = boundary_distances(line, 3704.0)
    # The outline is a polygon: chords at the rounded ends fall up to ~2 % inside.
    assert np.median(distances) == pytest.approx(1852.0, abs=2.0)
    assert distances.max() <= 1852.0 * 1.001
    assert distances.min() >= 1852.0 * 0.98


def test_a_buffer_in_degrees_would_be_wrong_by_the_cosine_of_latitude() -> None:
    """What the geodesic corridor avoids: 1/60 degree is 1852 m north-south only."""
    line = LineString([(10.0, 60.0), (10.0, 61.0)])
    naive = line.buffer(1 / 60)
    east_edge = naive.bounds[2]
    # 1/60 degree of longitude at 60 degrees north is about half a nautical mile.
    assert GEOD.inv(10.0, 60.5, east_edge, 60.5)[2] == pytest.approx(916.0, rel=0.01)
    parallel = LineString([(10.0, 60.5), (10.2, 60.5)])
    corridor_edge = corridor(line, 3704.0).intersection(parallel).bounds[2]
    assert GEOD.inv(10.0, 60.5, corridor_edge, 60.5)[2] == pytest.approx(1852.0, rel=0.002)


def test_corridor_across_the_antimeridian_is_cut_there_and_keeps_its_width() -> None:
    line = LineString([(179.5, -16.0), (-179.5, -16.5)])
    area = corridor(line, 2000.0)
    assert area.geom_type == "MultiPolygon"
    assert area.bounds[0] >= -180.0 and area.bounds[2] <= 180.0
    assert area.bounds[2] - area.bounds[0] > 359  # both sides, not a band around the globe
    assert area.area < 0.1


def test_long_lines_are_cut_into_pieces_without_gaps() -> None:
    line = LineString([(-5.0, 36.0), (30.0, 34.0)])  # 3,100 km across the Mediterranean
    area = corridor(line, 1000.0)
    assert area.geom_type == "Polygon"  # one piece: no gaps between the projected pieces
    # Every point of the geodesic lies within, although the straight line in degrees does not
    # follow it: the corridor is around the route on the Earth, not on the map.
    for lon, lat in GEOD.npts(-5.0, 36.0, 30.0, 34.0, 50):
        assert area.contains(Point(lon, lat))


def test_circle_radius() -> None:
    ring = circle(3.39, 6.43, 5000.0)
    for x, y in list(ring.exterior.coords)[::5]:
        assert GEOD.inv(3.39, 6.43, x, y)[2] == pytest.approx(5000.0, abs=0.5)


@pytest.mark.parametrize("lat", [0.0, 32.0, 65.0])
def test_distance_to_a_line_is_the_geodesic_to_its_nearest_point(lat: float) -> None:
    start, end = (32.0, lat), (32.3, lat + 0.1)  # a ~30 km segment
    line = LineString([start, end])
    azimuth, _, _ = GEOD.inv(*start, *end)
    mid_lon, mid_lat = GEOD.npts(*start, *end, 1)[0]
    lon, lat_ = GEOD.fwd(mid_lon, mid_lat, azimuth + 90.0, 7_000.0)[:2]
    assert point_to_line_m(lon, lat_, line) == pytest.approx(7_000.0, rel=0.003)
