"""Zones and cables of the catalogue in force as GeoJSON, optionally simplified for a map.

Simplification keeps topology (no polygon turns inside out) and is given in metres, turned into
degrees of latitude: at high latitudes a degree of longitude is shorter, so the tolerance is
never coarser than asked east-west.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final, Literal, TypeAlias

from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from mda.zones.model import LINEAR_KINDS, Zone

METRES_PER_DEGREE: Final = 111_320.0
Shape: TypeAlias = Literal["area", "route"]


def _geometry(geometry: BaseGeometry, simplify_m: float) -> dict[str, Any]:
    if simplify_m > 0:
        geometry = geometry.simplify(simplify_m / METRES_PER_DEGREE, preserve_topology=True)
    shape: dict[str, Any] = dict(mapping(geometry))
    return shape


def zone_feature(zone: Zone, *, simplify_m: float = 0.0, shape: Shape = "area") -> dict[str, Any]:
    """One zone as a GeoJSON Feature: its area (a cable's corridor), or its route (a cable's
    line; a zone without one gives its area)."""
    geometry = zone.line if shape == "route" and zone.line is not None else zone.area
    properties: dict[str, Any] = {"id": zone.id, "name": zone.name, "kind": zone.kind}
    if zone.width_m is not None:
        properties["width_m"] = zone.width_m
    if zone.radius_m is not None:
        properties["radius_m"] = zone.radius_m
    return {"type": "Feature", "id": zone.id, "properties": properties,
            "geometry": _geometry(geometry, simplify_m)}  # fmt: skip


def collection(
    zones: Sequence[Zone], *, kinds: frozenset[str] = frozenset(), simplify_m: float = 0.0,
    shape: Shape = "area",
) -> bytes:  # fmt: skip
    """Zones (of ``kinds``, or all) as a FeatureCollection, serialised."""
    features = [zone_feature(z, simplify_m=simplify_m, shape=shape)
                for z in zones if not kinds or z.kind in kinds]  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":")).encode()  # fmt: skip


def cables(zones: Sequence[Zone], *, simplify_m: float = 0.0, shape: Shape = "route") -> bytes:
    """Cables and pipelines: their routes, or their corridors."""
    return collection(zones, kinds=LINEAR_KINDS, simplify_m=simplify_m, shape=shape)
