"""Which points lie near which: vessels within metres of each other, and distance to ports.

Points are hashed into cubes of the Earth-centred frame (unit vectors scaled to metres), each
cube as wide as the search distance. Two points that far apart along the surface are closer
still through the chord, so they lie in the same cube or in adjacent ones: a search looks at
27 cubes per point, never at every other point. Unlike a grid of degrees, the cubes need no
care at the poles or across the antimeridian, and a whole time slice of vessels is searched
with sorts and binary searches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from mda.geo import EARTH_RADIUS_M, haversine_m
from mda.rules.base import BatchView, Mask
from mda.zones.model import Zone

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

# Cube coordinates are packed into one integer key, 21 bits each: enough for cubes down to
# about 6 m (the Earth is 2 x 6371 km across).
_BITS: Final = 21
_OFFSET: Final = 1 << (_BITS - 1)
MIN_SEARCH_M: Final = 10.0
_NEIGHBOURS: Final = np.array(
    [(dx, dy, dz) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)],
    dtype=np.int64,
)
PORT_KINDS: Final = frozenset(("port", "anchorage"))
# A port drawn as an area is measured from points along its outline this far apart (degrees).
_OUTLINE_STEP_DEG: Final = 0.01


def _cubes(lat: Floats, lon: Floats, size_m: float) -> Ints:
    """Integer cube coordinates (n x 3) of points, for cubes ``size_m`` wide."""
    phi, lam = np.radians(lat), np.radians(lon)
    xyz = np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi))) * (
        EARTH_RADIUS_M / size_m
    )
    cubes: Ints = np.floor(xyz).astype(np.int64)
    return cubes


def _keys(cubes: Ints) -> Ints:
    shifted = cubes + _OFFSET
    keys: Ints = (shifted[:, 0] << (2 * _BITS)) | (shifted[:, 1] << _BITS) | shifted[:, 2]
    return keys


def _index(cubes: Ints) -> tuple[Ints, Ints]:
    """Points' cube keys sorted, and the order that sorts them (what a search looks in)."""
    keys = _keys(cubes)
    order = np.argsort(keys, kind="stable")
    return keys[order], order


def _candidates(cubes_a: Ints, index_b: tuple[Ints, Ints]) -> tuple[Ints, Ints]:
    """(a, b) index pairs of points of ``b`` in the 27 cubes around each point of ``a``."""
    sorted_b, order = index_b
    found_a: list[Ints] = []
    found_b: list[Ints] = []
    every_a = np.arange(len(cubes_a), dtype=np.int64)
    for offset in _NEIGHBOURS:
        wanted = _keys(cubes_a + offset)
        lo = np.searchsorted(sorted_b, wanted, side="left")
        count = np.searchsorted(sorted_b, wanted, side="right") - lo
        total = int(count.sum())
        if not total:
            continue
        # Expand each point's run [lo, lo + count) of matches into rows of pairs.
        within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        found_a.append(np.repeat(every_a, count))
        found_b.append(order[np.repeat(lo, count) + within])
    if not found_a:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(found_a), np.concatenate(found_b)


def _check_distance(within_m: float) -> None:
    if not within_m >= MIN_SEARCH_M:
        raise ValueError(f"search distance {within_m} m is under {MIN_SEARCH_M} m")


def pairs_within(lat: Floats, lon: Floats, within_m: float) -> tuple[Ints, Ints, Floats]:
    """Every pair (i < j) of points at most ``within_m`` apart, with its distance in metres."""
    _check_distance(within_m)
    if len(lat) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    cubes = _cubes(lat, lon, within_m)
    i, j = _candidates(cubes, _index(cubes))
    keep = i < j  # each pair is found from both ends (and every point pairs with itself)
    i, j = i[keep], j[keep]
    d = haversine_m(lat[i], lon[i], lat[j], lon[j])
    close = d <= within_m
    order = np.lexsort((j[close], i[close]))
    return i[close][order], j[close][order], d[close][order]


def near_within(
    lat_a: Floats, lon_a: Floats, lat_b: Floats, lon_b: Floats, within_m: float
) -> tuple[Ints, Ints, Floats]:
    """Every (a, b) of points of two sets at most ``within_m`` apart, with the distance."""
    _check_distance(within_m)
    if not len(lat_a) or not len(lat_b):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    a, b = _candidates(_cubes(lat_a, lon_a, within_m), _index(_cubes(lat_b, lon_b, within_m)))
    d = haversine_m(lat_a[a], lon_a[a], lat_b[b], lon_b[b])
    close = d <= within_m
    return a[close], b[close], d[close]


def _outline_points(geometry: BaseGeometry) -> list[tuple[float, float]]:
    """(lon, lat) of a point zone's points, or along an area zone's outline."""
    if geometry.geom_type in ("Point", "MultiPoint"):
        return [(float(x), float(y)) for x, y in shapely.get_coordinates(geometry).tolist()]
    outline = shapely.segmentize(geometry.boundary, _OUTLINE_STEP_DEG)
    return [(float(x), float(y)) for x, y in shapely.get_coordinates(outline).tolist()]


class PortDistance:
    """Distances from positions to the ports and anchorages of a zone set.

    A port is its point (GeoJSON ports are points with a radius), or, when drawn as an area,
    its outline: distances are measured from there, as Global Fishing Watch measures from its
    anchorage points.
    """

    def __init__(self, zones: Sequence[Zone]) -> None:
        lons: list[float] = []
        lats: list[float] = []
        self.names: list[str] = []
        for zone in zones:
            if zone.kind not in PORT_KINDS:
                continue
            geometry = zone.point if zone.point is not None else zone.area
            for x, y in _outline_points(geometry):
                lons.append(x)
                lats.append(y)
                self.names.append(zone.name)
        self.lat = np.array(lats, dtype=np.float64)
        self.lon = np.array(lons, dtype=np.float64)
        self._indexes: dict[float, tuple[Ints, Ints]] = {}  # by search distance

    def __len__(self) -> int:
        return len(self.lat)

    def near(self, lat: Floats, lon: Floats, within_km: float) -> npt.NDArray[np.bool_]:
        """Which positions are within ``within_km`` of a port."""
        out = np.zeros(len(lat), dtype=bool)
        if not len(self.lat) or within_km <= 0 or not len(lat):
            return out
        within_m = max(within_km * 1000.0, MIN_SEARCH_M)
        index = self._indexes.get(within_m)
        if index is None:
            index = self._indexes[within_m] = _index(_cubes(self.lat, self.lon, within_m))
        a, b = _candidates(_cubes(lat, lon, within_m), index)
        close = haversine_m(lat[a], lon[a], self.lat[b], self.lon[b]) <= within_m
        out[a[close]] = True
        return out

    def nearest(self, lat: float, lon: float) -> tuple[float, str] | None:
        """Kilometres to the nearest port from one position, and its name (None: no ports)."""
        if not len(self.lat):
            return None
        d = haversine_m(np.full(len(self.lat), lat), np.full(len(self.lat), lon),
                        self.lat, self.lon)  # fmt: skip
        i = int(np.argmin(d))
        return float(d[i]) / 1000.0, self.names[i]


class MeanPosition:
    """A running mean of positions, taken on the sphere so that it holds across the
    antimeridian."""

    __slots__ = ("n", "x", "y", "z")

    def __init__(self) -> None:
        self.x = self.y = self.z = 0.0
        self.n = 0

    def add(self, lat: float, lon: float) -> None:
        """Count one position in."""
        phi, lam = math.radians(lat), math.radians(lon)
        self.x += math.cos(phi) * math.cos(lam)
        self.y += math.cos(phi) * math.sin(lam)
        self.z += math.sin(phi)
        self.n += 1

    def merge(self, other: MeanPosition) -> None:
        """Count another mean's positions in."""
        self.x += other.x
        self.y += other.y
        self.z += other.z
        self.n += other.n

    def value(self) -> tuple[float, float]:
        """(lat, lon) of the mean (0, 0 before any position)."""
        x, y, z = self.x, self.y, self.z
        return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))


def fixes_in_scope(
    view: BatchView, everywhere: bool, zones: frozenset[int], exclude: frozenset[int]
) -> Mask:
    """Which fixes of a batch a two-vessel rule looks at. With ``everywhere`` (the rule's zones
    include ``"*"``) that is every fix outside the excluded zones, the high seas outside every
    loaded zone included: that is where ships meet unseen. Late fixes are left out."""
    if not everywhere:
        return view.in_scope(zones, exclude)
    mask = ~view.fixes.late
    return mask & ~view.in_zones(exclude) if exclude else mask
