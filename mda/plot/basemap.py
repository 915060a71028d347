"""What every picture is drawn on: land, sea areas, cables and pipelines, ports, all from what
mda ships (no download, so pictures are drawn offline).

Land is Natural Earth's 1:50m land as the live map vendors it (world-atlas ``land-50m.json``,
TopoJSON), together with any ``land`` zones of the catalogue. Sea areas (seas, EEZs, marine
parks, users' areas), cable and pipeline routes and ports come from the zone catalogue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from mda.zones import ZoneCatalog, load_zones
from mda.zones.model import LINEAR_KINDS, POINT_KINDS

LAND_FILE: Final = Path(__file__).resolve().parent.parent / "web/vendor/world-atlas/land-50m.json"
# Zone kinds drawn as sea areas (outlined): everything with an area of its own.
AREA_KINDS: Final = frozenset(("sea", "eez", "mpa", "custom"))


@dataclass(frozen=True, slots=True)
class Feature:
    """A named shape of the base map."""

    id: str
    name: str
    kind: str
    geometry: BaseGeometry


@dataclass(frozen=True, slots=True)
class Basemap:
    """The layers under the data: land (one geometry), sea areas (polygons), routes of cables
    and pipelines (lines) and ports and anchorages (points)."""

    land: BaseGeometry
    areas: tuple[Feature, ...]
    routes: tuple[Feature, ...]
    ports: tuple[Feature, ...]


def topojson_land(document: dict[str, Any], name: str = "land") -> BaseGeometry:
    """The polygons of object ``name`` of a quantized TopoJSON topology (as world-atlas ships
    them: delta-encoded arcs, a transform) as one shapely geometry."""
    scale = np.asarray(document["transform"]["scale"], dtype=np.float64)
    translate = np.asarray(document["transform"]["translate"], dtype=np.float64)
    arcs = [np.cumsum(np.asarray(arc, dtype=np.float64), axis=0) * scale + translate
            for arc in document["arcs"]]  # fmt: skip

    def ring(indexes: list[int]) -> np.ndarray[Any, np.dtype[np.float64]]:
        # A negative index ~i is arc i walked backwards; consecutive arcs share an end point.
        pieces = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indexes]
        return np.concatenate([pieces[0], *(p[1:] for p in pieces[1:])])

    def polygon(rings: list[list[int]]) -> Polygon:
        return Polygon(ring(rings[0]), [ring(r) for r in rings[1:]])

    polygons: list[Polygon] = []
    for geometry in document["objects"][name]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons.append(polygon(geometry["arcs"]))
        elif geometry["type"] == "MultiPolygon":
            polygons += [polygon(rings) for rings in geometry["arcs"]]
    # Natural Earth's polygons do not overlap: one MultiPolygon of them, no union needed.
    valid = [shapely.make_valid(p) if not p.is_valid else p for p in polygons]
    parts = [g for g in shapely.get_parts(valid).tolist() if isinstance(g, Polygon)]
    return MultiPolygon([g for g in parts if not g.is_empty])


@lru_cache(maxsize=1)
def shipped_land() -> BaseGeometry:
    """Natural Earth's land as mda ships it (read once per process)."""
    return topojson_land(json.loads(LAND_FILE.read_text(encoding="utf-8")))


def basemap_of(catalog: ZoneCatalog, land: BaseGeometry) -> Basemap:
    """The base map of ``land`` and the zones of ``catalog``."""
    areas, routes, ports = [], [], []
    land_zones = [land]
    for zone in catalog:
        if zone.kind == "land":
            land_zones.append(zone.area)
        elif zone.kind in LINEAR_KINDS and zone.line is not None:
            routes.append(Feature(zone.id, zone.name, zone.kind, zone.line))
        elif zone.kind in POINT_KINDS and zone.point is not None:
            ports.append(Feature(zone.id, zone.name, zone.kind, zone.point))
        elif zone.kind in AREA_KINDS:
            areas.append(Feature(zone.id, zone.name, zone.kind, zone.area))
    whole = land if len(land_zones) == 1 else shapely.GeometryCollection(land_zones)
    return Basemap(whole, tuple(areas), tuple(routes), tuple(ports))


def default_basemap(catalog: ZoneCatalog | None = None) -> Basemap:
    """Shipped land and ``catalog`` (the default zones unless given)."""
    return basemap_of(catalog if catalog is not None else load_zones(), shipped_land())
