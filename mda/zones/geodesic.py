"""Geometry in metres on the WGS84 ellipsoid: corridors, circles, distances.

A buffer in degrees is wrong by the cosine of the latitude (a 1 nm "corridor" of 1/60 degree is
1.3 km wide across at 45 degrees). Here a line is densified along the geodesic, cut into pieces
short enough for a local azimuthal equidistant projection (centred on each piece) to keep
distances within a few parts in ten thousand, buffered in metres there, and projected back.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

GEOD: Final = pyproj.Geod(ellps="WGS84")
STEP_M: Final = 10_000.0  # densify lines to a vertex every 10 km along the geodesic
PIECE_M: Final = 200_000.0  # buffer pieces of at most 200 km in their own projection
QUAD_SEGS: Final = 8


@lru_cache(maxsize=4096)
def _aeqd(lat0: float, lon0: float) -> pyproj.Proj:
    """Azimuthal equidistant projection centred on (lat0, lon0), rounded for reuse."""
    return pyproj.Proj(proj="aeqd", lat_0=lat0, lon_0=lon0, datum="WGS84", units="m")


def _densified(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Vertices at most ``STEP_M`` apart along the geodesic between consecutive vertices."""
    _, _, dist = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    if not (dist > STEP_M).any():
        return _unwrapped(coords)
    out = [coords[:1]]
    for i, d in enumerate(dist):
        if d > STEP_M:
            (lon1, lat1), (lon2, lat2) = coords[i], coords[i + 1]
            out.append(np.array(GEOD.npts(lon1, lat1, lon2, lat2, int(d // STEP_M))))
        out.append(coords[i + 1 : i + 2])
    return _unwrapped(np.concatenate(out))


def _unwrapped(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Longitudes made continuous (no jump across the antimeridian)."""
    lon = np.degrees(np.unwrap(np.radians(coords[:, 0])))
    return np.column_stack([lon, coords[:, 1]])


def _pieces(coords: npt.NDArray[np.float64]) -> list[npt.NDArray[np.float64]]:
    """Consecutive runs of vertices of at most ``PIECE_M`` each (sharing their end vertex)."""
    _, _, step = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    along = np.concatenate([[0.0], np.cumsum(step)])
    pieces = []
    start = 0
    while start < len(coords) - 1:
        end = int(np.searchsorted(along, along[start] + PIECE_M, side="right")) - 1
        end = max(end, start + 1)
        pieces.append(coords[start : end + 1])
        start = end
    return pieces


def _buffer_piece(coords: npt.NDArray[np.float64], half_width_m: float) -> BaseGeometry:
    # Centres rounded to even degrees so projections are reused: a piece then lies within
    # about 260 km of its centre, where distances in the projection are off by under 0.03 %
    # (half a metre on a nautical mile).
    mid = coords[len(coords) // 2]
    lon0 = 2.0 * round(float(mid[0]) / 2.0)
    proj = _aeqd(2.0 * round(float(mid[1]) / 2.0), lon0)
    x, y = proj(coords[:, 0], coords[:, 1])
    # The line has a vertex every 10 km, and so has the outline: between them a straight edge
    # in degrees stays within a metre of the projected one.
    buffered = LineString(np.column_stack([x, y])).buffer(half_width_m, quad_segs=QUAD_SEGS)
    return shapely.transform(buffered, lambda xy: _inverse(proj, lon0, xy))


def _inverse(
    proj: pyproj.Proj, lon0: float, xy: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Back to degrees, longitudes kept continuous around the centre (may pass +/-180)."""
    lon, lat = proj(xy[:, 0], xy[:, 1], inverse=True)
    lon = lon0 + (np.asarray(lon) - lon0 + 180.0) % 360.0 - 180.0
    return np.column_stack([lon, lat])


def _forward(proj: pyproj.Proj, lonlat: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    x, y = proj(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


def corridor(line: BaseGeometry, width_m: float) -> BaseGeometry:
    """The area within ``width_m / 2`` metres of a (multi)line, in degrees."""
    if width_m <= 0:
        raise ValueError("a corridor needs a positive width")
    parts = list(line.geoms) if isinstance(line, MultiLineString) else [line]
    pieces: list[BaseGeometry] = []
    for part in parts:
        coords = np.asarray(part.coords, dtype=np.float64)[:, :2]
        if len(coords) < 2:
            continue
        pieces.extend(_buffer_piece(p, width_m / 2) for p in _pieces(_densified(coords)))
    return wrap_antimeridian(shapely.union_all(pieces))


def densify(line: BaseGeometry) -> BaseGeometry:
    """A (multi)line with a vertex at least every 10 km along the geodesic between its
    vertices: the route a cable follows, and what distances are measured to."""
    parts = list(line.geoms) if isinstance(line, MultiLineString) else [line]
    dense = [
        LineString(_densified(np.asarray(p.coords, dtype=np.float64)[:, :2]))
        for p in parts
        if len(p.coords) >= 2
    ]
    return wrap_antimeridian(dense[0] if len(dense) == 1 else MultiLineString(dense))


def circle(lon: float, lat: float, radius_m: float) -> Polygon:
    """The geodesic circle of ``radius_m`` around a point, as a 72-gon."""
    azimuths = np.arange(0.0, 360.0, 5.0)
    lons, lats, _ = GEOD.fwd(
        np.full(azimuths.shape, lon), np.full(azimuths.shape, lat), azimuths,
        np.full(azimuths.shape, radius_m),
    )  # fmt: skip
    ring = _unwrapped(np.column_stack([lons, lats]))
    polygon = wrap_antimeridian(Polygon(ring))
    return polygon if isinstance(polygon, Polygon) else Polygon(ring)


def wrap_antimeridian(geometry: BaseGeometry) -> BaseGeometry:
    """A geometry with longitudes beyond +/-180 cut at the antimeridian and brought back."""
    minx, _, maxx, _ = geometry.bounds
    if minx >= -180.0 and maxx <= 180.0:
        return geometry
    parts = []
    for shift in (-360.0, 0.0, 360.0):
        window = box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
        piece = geometry.intersection(window)
        if not piece.is_empty:
            parts.append(shapely.affinity.translate(piece, xoff=shift))
    return shapely.union_all(parts)


def point_to_line_m(lon: float, lat: float, line: BaseGeometry) -> float:
    """Geodesic distance in metres from a point to the nearest point of a line (or area edge).

    The nearest point is found in a projection centred on the point (exact in distance from
    the centre), then measured on the ellipsoid.
    """
    proj = _aeqd(round(lat, 2), round(lon, 2))
    local = shapely.transform(line, lambda lonlat: _forward(proj, lonlat))
    px, py = proj(lon, lat)
    nearest = nearest_points(Point(px, py), local)[1]
    nlon, nlat = proj(nearest.x, nearest.y, inverse=True)
    return float(GEOD.inv(lon, lat, nlon, nlat)[2])


def line_length_m(line: BaseGeometry) -> float:
    """Geodesic length of a line in metres."""
    return float(GEOD.geometry_length(line))


def margin_degrees(metres: float, lat: float) -> tuple[float, float]:
    """A north-south and east-west margin in degrees that covers ``metres`` at ``lat``."""
    dlat = metres / 110_500.0
    dlon = metres / max(1_000.0, 111_320.0 * math.cos(math.radians(min(abs(lat), 89.0))))
    return dlat, dlon


__all__ = [
    "GEOD",
    "MultiPolygon",
    "circle",
    "corridor",
    "line_length_m",
    "margin_degrees",
    "point_to_line_m",
    "wrap_antimeridian",
]
