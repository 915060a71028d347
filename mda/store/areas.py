"""Areas of analysts' queries: a bbox, a polygon, GeoJSON or a zone of the catalogue, as
latitude and longitude ranges for the database plus the exact geometry to test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from mda.errors import ConfigError
from mda.zones import ZoneCatalog
from mda.zones.catalog import zones_from_geojson
from mda.zones.geodesic import wrap_antimeridian

Area: TypeAlias = tuple[float, float, float, float] | BaseGeometry | dict[str, Any] | str

# At most this many longitude ranges in the SQL pre-filter (an EEZ of many islands would
# otherwise give one per island).
_MAX_RANGES: Final = 8


@dataclass(frozen=True, slots=True)
class Region:
    """An area as the query needs it: latitude and longitude ranges for the database, and
    the exact geometry to test (None when the ranges are the area itself, as for a bbox)."""

    south: float
    north: float
    lon_ranges: tuple[tuple[float, float], ...]
    geometry: BaseGeometry | None = None

    def contains(
        self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        """Which points are in the area. The boundary counts as inside, as in the zone
        index, so a position the pipeline counted in a zone is also found here."""
        if self.geometry is None:
            inside = (lat >= self.south) & (lat <= self.north)
            in_lon = np.zeros(len(lon), dtype=bool)
            for west, east in self.lon_ranges:
                in_lon |= (lon >= west) & (lon <= east)
            return np.asarray(inside & in_lon, dtype=np.bool_)
        return np.asarray(shapely.intersects_xy(self.geometry, lon, lat), dtype=np.bool_)


def region(area: Area, zones: Callable[[], ZoneCatalog]) -> Region:
    """A ``Region`` from a bbox (tuple or ``"W,S,E,N"``), a zone id, GeoJSON or a polygon."""
    if isinstance(area, str):
        parts = area.split(",")
        if len(parts) == 4:
            try:
                west, south, east, north = (float(p) for p in parts)
            except ValueError:
                raise ConfigError(f"bbox {area!r}: give west,south,east,north in degrees") from None
            return bbox_region((west, south, east, north))
        zone = zones().get(area)
        if zone is None:
            raise ConfigError(f"unknown zone {area!r} (see mda zones list)")
        return geometry_region(zone.area, f"zone {area!r}")
    if isinstance(area, tuple):
        return bbox_region(area)
    if isinstance(area, dict):
        # Read as the zone catalogue reads files: repaired, and cut at the antimeridian.
        found = zones_from_geojson(area, "area", "area")
        return geometry_region(shapely.union_all([z.area for z in found]), "area")
    if isinstance(area, BaseGeometry):
        return geometry_region(wrap_antimeridian(area), "area")
    raise ConfigError(f"cannot use {type(area).__name__} as an area")


def bbox_region(bbox: tuple[float, float, float, float]) -> Region:
    """A bbox ``(west, south, east, north)``; west > east means across the antimeridian."""
    if len(bbox) != 4:
        raise ConfigError(f"bbox {bbox}: give west, south, east, north")
    west, south, east, north = (float(v) for v in bbox)
    if not (-90 <= south < north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
        raise ConfigError(f"bbox {bbox}: not west, south, east, north in degrees")
    if west == east:
        raise ConfigError(f"bbox {bbox}: west and east are equal")
    if west < east:
        return Region(south, north, ((west, east),))
    return Region(south, north, ((west, 180.0), (-180.0, east)))


def geometry_region(geometry: BaseGeometry, label: str) -> Region:
    """A polygon's region: its latitude span and the merged longitude spans of its parts
    (so a zone cut at the antimeridian does not become a band around the globe)."""
    if geometry.is_empty or geometry.area == 0:
        raise ConfigError(f"{label}: not an area (a polygon is needed)")
    parts = shapely.get_parts(geometry)
    bounds = shapely.bounds(parts)
    spans = sorted((float(b[0]), float(b[2])) for b in bounds)
    merged: list[tuple[float, float]] = [spans[0]]
    for west, east in spans[1:]:
        if west <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], east))
        else:
            merged.append((west, east))
    while len(merged) > _MAX_RANGES:  # join across the narrowest gap
        gaps = [merged[i + 1][0] - merged[i][1] for i in range(len(merged) - 1)]
        i = gaps.index(min(gaps))
        merged[i : i + 2] = [(merged[i][0], merged[i + 1][1])]
    shapely.prepare(geometry)
    south, north = float(bounds[:, 1].min()), float(bounds[:, 3].max())
    return Region(south, north, tuple(merged), geometry)
