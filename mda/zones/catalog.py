"""Loading zones from GeoJSON: the default catalogue and users' own files.

Accepts a FeatureCollection, a single Feature or a bare geometry; GeometryCollections and Multi*
geometries; features given only by a ``bbox`` (one that straddles the antimeridian, west > east,
included). Invalid polygons are repaired with ``shapely.make_valid``'s "structure" method, which
keeps every area the rings enclose (the "linework" method drops what a ring covers twice, next
to its self-intersection), and the zone says what was repaired (``Zone.repair``); what cannot be
repaired raises ``ZoneError`` naming the file and the feature. Geometries that cross the
antimeridian are cut there.

A zone needs ``id``, ``name`` and ``kind``; users' files seldom say ``id`` and ``name`` as such,
so they are taken from the feature's own properties: the id from ``id`` (or the feature's
``id``), else from its name, else from an ISO code; the name from a ``name_property`` when one
is given, else ``name``, ``NAME``, ``name_en``, ``GEONAME``... (any case), else the code or id.
Only a feature with none of them is named after its file (``<file>-3``). Ids derived in one file
are kept apart (``-2``, ``-3``...); missing ones never stop the zone from loading;
cables and pipelines are lines with a corridor ``width_m``; ports and anchorages are points with
a ``radius_m``. Later files override earlier ones with the same id, so a user's folder can
replace any default zone.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
    box,
    shape,
)
from shapely.geometry.base import BaseGeometry

from mda.errors import MdaError
from mda.zones.geodesic import GEOD, circle, corridor, wrap_antimeridian
from mda.zones.model import (
    DEFAULT_CABLE_WIDTH_M,
    DEFAULT_PIPELINE_WIDTH_M,
    DEFAULT_PORT_RADIUS_M,
    ZONE_KINDS,
    Zone,
    ZoneKind,
)


class ZoneError(MdaError):
    """A zone that cannot be loaded; the message names the file and the feature."""


class ZoneCatalog:
    """The zones in force, in load order, with later ids replacing earlier ones."""

    def __init__(self, zones: Iterable[Zone] = ()) -> None:
        self._by_id: dict[str, Zone] = {}
        for zone in zones:
            self.add(zone)

    def add(self, zone: Zone) -> None:
        """Add a zone, replacing one with the same id."""
        self._by_id.pop(zone.id, None)
        self._by_id[zone.id] = zone

    def __iter__(self) -> Iterator[Zone]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, zone_id: object) -> bool:
        return zone_id in self._by_id

    def get(self, zone_id: str) -> Zone | None:
        """The zone with this id, if any."""
        return self._by_id.get(zone_id)

    def of_kind(self, *kinds: str) -> list[Zone]:
        """Zones of the given kinds, in load order."""
        return [z for z in self._by_id.values() if z.kind in kinds]

    @classmethod
    def load(cls, paths: Iterable[Path], *, name_property: str | None = None) -> ZoneCatalog:
        """Zones of every ``*.geojson`` / ``*.json`` file in the given files and folders."""
        catalog = cls()
        catalog.load_more(paths, name_property=name_property)
        return catalog

    def load_more(self, paths: Iterable[Path], *, name_property: str | None = None) -> None:
        """Add the zones of these files and folders, named from ``name_property`` when given."""
        for path in paths:
            for file in zone_files(path):
                for zone in load_file(file, name_property=name_property):
                    self.add(zone)

    def repairs(self) -> list[str]:
        """What was repaired, one line per repaired zone, in load order."""
        return [z.repair for z in self if z.repair]


def zone_files(path: Path) -> list[Path]:
    """The zone files a path names, in load order: a folder's ``*.geojson`` / ``*.json``."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".geojson", ".json"))
    if path.is_file():
        return [path]
    raise ZoneError(f"no zone file or folder at {path}")


def load_file(path: Path, *, name_property: str | None = None) -> list[Zone]:
    """The zones of one GeoJSON file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ZoneError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ZoneError(f"{path}: not JSON ({exc})") from exc
    return zones_from_geojson(document, path.stem, str(path), name_property=name_property)


def zones_from_geojson(
    document: Any, stem: str, where: str, *, name_property: str | None = None
) -> list[Zone]:
    """Zones of a parsed GeoJSON document; ``where`` names it in errors. ``name_property``
    names each zone, when a feature has it (one of them at least must)."""
    if not isinstance(document, dict):
        raise ZoneError(f"{where}: not a GeoJSON object")
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise ZoneError(f"{where}: a FeatureCollection without a features list")
    elif kind == "Feature":
        features = [document]
    elif kind in _GEOMETRY_TYPES:
        features = [{"type": "Feature", "properties": {}, "geometry": document}]
    else:
        raise ZoneError(f"{where}: not GeoJSON (type {kind!r})")
    if name_property is not None and not any(
        _value((f.get("properties") or {}).get(name_property)) for f in features
        if isinstance(f, dict)
    ):  # fmt: skip
        raise ZoneError(f"{where}: no feature has the property {name_property!r} to name it "
                        f"(--name-property); {_properties_seen(features)}")  # fmt: skip
    zones = []
    taken: set[str] = set()
    for index, feature in enumerate(features):
        zones.extend(zones_from_feature(feature, f"{stem}-{index + 1}", where,
                                        name_property=name_property, taken=taken))  # fmt: skip
    return zones


# Properties that identify or name a feature in the files users bring (Natural Earth, Marine
# Regions, national portals), looked up in this order whatever their case.
ID_PROPERTIES = ("id",)
CODE_PROPERTIES = ("iso_a3", "iso3", "iso_3", "adm0_a3", "iso_ter1", "iso_sov1", "iso_a2",
                   "iso2", "iso_code", "code")  # fmt: skip
NAME_PROPERTIES = ("name", "name_en", "geoname", "territory1", "title", "label")
# What some publishers write where a code is unknown (Natural Earth's -99).
_NO_VALUE = frozenset(("", "-99", "none", "null", "n/a"))


def _value(raw: Any) -> str | None:
    """A property as text, or None when it says nothing."""
    if raw is None or isinstance(raw, (bool, dict, list)):
        return None
    text = str(raw).strip()
    return None if text.lower() in _NO_VALUE else text


def _lookup(props: dict[str, Any], keys: Iterable[str]) -> str | None:
    """The first of ``keys`` the properties carry (exact name first, then any case)."""
    folded: dict[str, Any] = {}
    for key, raw in props.items():
        folded.setdefault(key.lower(), raw)
    for key in keys:
        found = _value(props.get(key))
        if found is None:
            found = _value(folded.get(key.lower()))
        if found is not None:
            return found
    return None


def _properties_seen(features: list[Any]) -> str:
    names = sorted({k for f in features if isinstance(f, dict)
                    for k in (f.get("properties") or {})})  # fmt: skip
    if not names:
        return "the features have no properties"
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"properties seen: {shown}"


def _identity(
    feature: dict[str, Any], props: dict[str, Any], fallback_id: str, name_property: str | None
) -> tuple[str, str, bool]:
    """(id, name, derived): the id and name from the feature's own properties, ``derived``
    when the id is not one the feature states."""
    stated = _value(props.get("id")) or _value(feature.get("id")) or _lookup(props, ID_PROPERTIES)
    named = _value(props.get(name_property)) if name_property is not None else None
    named = named or _lookup(props, NAME_PROPERTIES)
    code = _lookup(props, CODE_PROPERTIES)
    zone_id = stated or (_slug(named) if named else None) or (_slug(code) if code else None)
    zone_id = zone_id or fallback_id
    return zone_id, named or code or zone_id, stated is None


_GEOMETRY_TYPES = frozenset(
    ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
     "GeometryCollection")
)  # fmt: skip
_ID = re.compile(r"[^a-z0-9]+")


def _slug(text: str) -> str:
    # Accents folded, so that "Réunion" is "reunion" rather than "r-union".
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _ID.sub("-", plain.lower()).strip("-") or "zone"


def zones_from_feature(
    feature: Any, fallback_id: str, where: str, *, name_property: str | None = None,
    taken: set[str] | None = None,
) -> list[Zone]:  # fmt: skip
    """The zone(s) of one feature. A GeometryCollection mixing areas, lines and points gives
    one zone per kind of part (ids suffixed ``-areas``, ``-lines``, ``-points``). An id derived
    (not stated) that is in ``taken`` already gets a number; ``taken`` gets the id."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ZoneError(f"{where}: feature {fallback_id} is not a GeoJSON Feature")
    props = dict(feature.get("properties") or {})
    zone_id, name, derived = _identity(feature, props, fallback_id, name_property)
    if taken is not None:
        if derived and zone_id in taken:
            zone_id = next(f"{zone_id}-{n}" for n in itertools.count(2)
                           if f"{zone_id}-{n}" not in taken)  # fmt: skip
        taken.add(zone_id)
    props["name"] = name
    label = f"{where}: feature {zone_id!r}"
    geometry = _geometry(feature, label)
    areas, lines, points = _split_by_dimension(geometry)
    present = [(s, g) for s, g in (("areas", areas), ("lines", lines), ("points", points)) if g]
    if not present:
        raise ZoneError(f"{label}: has no geometry")
    zones = []
    for suffix, parts in present:
        part_id = zone_id if len(present) == 1 else f"{zone_id}-{suffix}"
        zones.append(_zone(part_id, props, suffix, parts, label))
    return zones


def _geometry(feature: dict[str, Any], label: str) -> BaseGeometry:
    raw = feature.get("geometry")
    if raw is None:
        bbox = feature.get("bbox")
        if isinstance(bbox, list) and len(bbox) in (4, 6):
            return _bbox_geometry([float(v) for v in bbox], label)
        raise ZoneError(f"{label}: no geometry and no bbox")
    return checked_shape(raw, label)


def checked_shape(raw: Any, label: str, kind: str = "geometry") -> BaseGeometry:
    """The shape of a GeoJSON geometry object; a ZoneError naming ``label`` when its
    coordinates do not parse, it is empty or it leaves the globe (``kind`` names the geometry
    in the message)."""
    try:
        geometry = shape(raw)
    except (AttributeError, TypeError, ValueError, IndexError, KeyError, GEOSException) as exc:
        raise ZoneError(f"{label}: malformed {kind} coordinates ({exc})") from exc
    if geometry.is_empty:
        raise ZoneError(f"{label}: empty {kind}")
    coords = shapely.get_coordinates(geometry)
    if not np.isfinite(coords).all() or (np.abs(coords[:, 1]) > 90.0).any():
        raise ZoneError(f"{label}: coordinates outside the globe (GeoJSON order is lon, lat)")
    return geometry


def _bbox_geometry(bbox: list[float], label: str) -> BaseGeometry:
    """A bbox [west, south, east, north]; west > east means it crosses the antimeridian."""
    west, south, east, north = (bbox[0], bbox[1], bbox[-3], bbox[-2]) if len(bbox) == 6 else bbox
    if not (-90 <= south < north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
        raise ZoneError(f"{label}: bbox {bbox} is not [west, south, east, north]")
    if west <= east:
        return box(west, south, east, north)
    return MultiPolygon([box(west, south, 180.0, north), box(-180.0, south, east, north)])


def _split_by_dimension(
    geometry: BaseGeometry,
) -> tuple[list[BaseGeometry], list[BaseGeometry], list[BaseGeometry]]:
    areas: list[BaseGeometry] = []
    lines: list[BaseGeometry] = []
    points: list[BaseGeometry] = []
    stack = [geometry]
    while stack:
        g = stack.pop()
        if isinstance(g, (GeometryCollection, MultiPolygon, MultiLineString, MultiPoint)):
            stack.extend(reversed(list(g.geoms)))
        elif isinstance(g, Polygon):
            areas.append(g)
        elif isinstance(g, LineString):
            lines.append(g)
        elif isinstance(g, Point):
            points.append(g)
    return areas, lines, points


def _crosses_antimeridian(coords: np.ndarray[Any, np.dtype[np.float64]]) -> bool:
    return bool(len(coords) > 1 and (np.abs(np.diff(coords[:, 0])) > 180.0).any())


def _unwrap_ring(coords: np.ndarray[Any, np.dtype[np.float64]]) -> list[tuple[float, float]]:
    lon = np.degrees(np.unwrap(np.radians(coords[:, 0])))
    return list(zip(lon.tolist(), coords[:, 1].tolist(), strict=True))


def _area(parts: list[BaseGeometry], label: str) -> tuple[BaseGeometry, str | None]:
    """Polygons made whole: unwrapped across the antimeridian, repaired, cut at +/-180; and
    what was repaired, if anything."""
    fixed: list[Polygon] = []
    for part in parts:
        assert isinstance(part, Polygon)
        rings = [np.asarray(part.exterior.coords)[:, :2]]
        rings += [np.asarray(r.coords)[:, :2] for r in part.interiors]
        if any(_crosses_antimeridian(r) for r in rings):
            fixed.append(Polygon(_unwrap_ring(rings[0]), [_unwrap_ring(r) for r in rings[1:]]))
        else:
            fixed.append(part)
    area: BaseGeometry = fixed[0] if len(fixed) == 1 else MultiPolygon(fixed)
    repair = None
    if not area.is_valid:
        reason = shapely.is_valid_reason(area)
        # "structure" unions what the rings enclose (holes taken out), so the area next to a
        # self-intersection, or where two parts overlap, stays inside; "linework" (the
        # default) alternates inside and outside across every crossing and loses it.
        area = shapely.make_valid(area, method="structure", keep_collapsed=False)
        if not isinstance(area, Polygon):
            area = MultiPolygon(cast(list[Polygon], _split_by_dimension(area)[0]))
        if area.is_empty or not area.is_valid:
            raise ZoneError(f"{label}: invalid polygon that cannot be repaired")
        repair = _repaired(label, reason, area)
    area = wrap_antimeridian(area)
    if area.is_empty or area.area == 0:
        raise ZoneError(f"{label}: polygon without area")
    return area, repair


def _repaired(label: str, reason: str, area: BaseGeometry) -> str:
    """One line telling what was repaired and what it became."""
    polygons = len(area.geoms) if isinstance(area, MultiPolygon) else 1
    km2 = abs(GEOD.geometry_area_perimeter(area)[0]) / 1e6
    shape_text = "1 polygon" if polygons == 1 else f"{polygons} polygons"
    return f"{label}: repaired {reason}: now {shape_text} of {km2:,.1f} km²"


def _positive(props: dict[str, Any], key: str, default: float, label: str) -> float:
    value = props.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and value > 0)
    ):
        raise ZoneError(f"{label}: {key} must be a positive number of metres, not {value!r}")
    return float(value)


def _zone(
    zone_id: str, props: dict[str, Any], parts_kind: str, parts: list[BaseGeometry], label: str
) -> Zone:
    kind = props.get("kind")
    if kind is None:
        kind = {"areas": "custom", "lines": "cable", "points": "port"}[parts_kind]
    if kind not in ZONE_KINDS:
        raise ZoneError(
            f"{label}: unknown kind {kind!r} (use one of {', '.join(sorted(ZONE_KINDS))})"
        )
    name = str(props.get("name") or zone_id)
    properties = {**props, "id": zone_id, "name": name, "kind": kind}
    if parts_kind == "lines":
        default = DEFAULT_PIPELINE_WIDTH_M if kind == "pipeline" else DEFAULT_CABLE_WIDTH_M
        width = _positive(props, "width_m", default, label)
        properties["width_m"] = width
        line = parts[0] if len(parts) == 1 else MultiLineString(cast(list[LineString], parts))
        area = corridor(line, width)
        return Zone(zone_id, name, cast(ZoneKind, kind), area, line=line, properties=properties)
    if parts_kind == "points":
        radius = _positive(props, "radius_m", DEFAULT_PORT_RADIUS_M, label)
        properties["radius_m"] = radius
        point = parts[0] if len(parts) == 1 else MultiPoint(cast(list[Point], parts))
        circles = [circle(p.x, p.y, radius) for p in cast(list[Point], parts)]
        area = circles[0] if len(circles) == 1 else shapely.union_all(circles)
        return Zone(zone_id, name, cast(ZoneKind, kind), area, point=point, properties=properties)
    # Any other kind drawn as an area (a cable or port included) is used as it is drawn.
    area, repair = _area(parts, label)
    return Zone(zone_id, name, cast(ZoneKind, kind), area, properties=properties, repair=repair)
