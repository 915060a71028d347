"""Detection lists from files: Global Fishing Watch's SAR fields, a plain CSV by column names,
GeoJSON points with a time; and scene footprints (WKT or GeoJSON polygons).

The text is parsed here (pure: text in, records out); opening files is the caller's. A row
that cannot be read (no time, a latitude out of range ...) is counted with its reason, never
guessed at.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from mda.detections.model import Detection
from mda.errors import ConfigError
from mda.timefmt import parse_instant

# Each field and the column names it is read from, first found wins: GFW's names first.
ALIASES: Mapping[str, tuple[str, ...]] = {
    "scene_id": ("scene_id", "scene", "image_id", "granule"),
    "detect_id": ("detect_id", "detection_id", "id"),
    "time": ("detect_timestamp", "timestamp", "time", "datetime", "acquisition_time"),
    "lat": ("detect_lat", "lat", "latitude"),
    "lon": ("detect_lon", "lon", "lng", "long", "longitude"),
    "length_m": ("length_m", "inferred_length_m", "inferred_length", "length"),
    "score": ("presence_score", "score", "confidence", "probability"),
    "footprint": ("footprint", "footprint_wkt", "wkt", "geometry"),
}
REQUIRED = ("time", "lat", "lon")


@dataclass(slots=True)
class DetectionFile:
    """What a file held: detections, scene footprints by scene id, and the rows refused."""

    detections: list[Detection] = field(default_factory=list)
    footprints: dict[str, BaseGeometry] = field(default_factory=dict)
    refused: Counter[str] = field(default_factory=Counter)
    _ids: set[tuple[str, str]] = field(default_factory=set, repr=False)

    def admit(self, d: Detection) -> bool:
        """Keep ``d`` unless its scene already has a detection of that id (a repeated row is
        counted as refused: which of the two is right cannot be known)."""
        key = (d.scene_id, d.detect_id)
        if key in self._ids:
            self.refused["repeated detection id"] += 1
            return False
        self._ids.add(key)
        self.detections.append(d)
        return True


def _time(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)  # epoch seconds
    except ValueError:
        return parse_instant(text)


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = float(value)
    return None if math.isnan(number) else number  # NaN is "not given"


def _columns(names: Sequence[str], chosen: Mapping[str, str]) -> dict[str, str]:
    """Field -> column of this header, ``chosen`` first, then the aliases (any case)."""
    by_lower = {n.strip().lower(): n for n in names}
    found = {}
    for name, aliases in ALIASES.items():
        if name in chosen:
            if chosen[name] not in names:
                raise ConfigError(f"column {chosen[name]!r} (for {name}) is not in the file")
            found[name] = chosen[name]
            continue
        hit = next((by_lower[a] for a in aliases if a in by_lower), None)
        if hit is not None:
            found[name] = hit
    return found


def _detection(
    row: Mapping[str, Any], columns: Mapping[str, str], default_scene: str, number: int
) -> Detection:
    def get(name: str) -> Any:
        column = columns.get(name)
        return None if column is None else row.get(column)

    t = _time(get("time"))
    lat, lon = _number(get("lat")), _number(get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("position missing or out of range")
    score = _number(get("score"))
    length = _number(get("length_m"))
    scene = str(get("scene_id") or "").strip() or default_scene
    detect_id = str(get("detect_id") or "").strip() or str(number)
    return Detection(scene, detect_id, t, lat, lon, length if length and length > 0 else None,
                     score)  # fmt: skip


def _reason(exc: Exception) -> str:
    text = str(exc)
    return "bad time" if "ISO 8601" in text else text.split(":", maxsplit=1)[0][:60]


def read_csv(text: str, name: str, columns: Mapping[str, str] | None = None) -> DetectionFile:
    """Detections from CSV text (GFW's columns, or plain ones by name); ``name`` (the file's)
    names the scene of rows without a scene id, one scene per distinct time."""
    reader = csv.DictReader(io.StringIO(text))
    found = _columns(reader.fieldnames or [], columns or {})
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        raise ConfigError(
            f"{name}: no column for {', '.join(missing)} (columns: "
            f"{', '.join(reader.fieldnames or [])}; name them with --column FIELD=COLUMN)"
        )
    out = DetectionFile()
    for number, row in enumerate(reader, start=1):
        try:
            t = _time(row[found["time"]])
            d = _detection(row, found, f"{name}@{t:.0f}", number)
        except (ValueError, TypeError) as exc:
            out.refused[_reason(exc)] += 1
            continue
        if not out.admit(d):
            continue
        wkt = row.get(found["footprint"]) if "footprint" in found else None
        if wkt and d.scene_id not in out.footprints:
            try:
                out.footprints[d.scene_id] = shapely.from_wkt(wkt)
            except shapely.errors.GEOSException:
                out.refused["bad footprint"] += 1
    return out


def read_geojson(text: str, name: str, columns: Mapping[str, str] | None = None) -> DetectionFile:
    """Detections from GeoJSON Point features (time and the other fields in properties), and
    footprints from Polygon features with a scene id."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name}: not JSON: {exc}") from exc
    features = document.get("features", []) if isinstance(document, dict) else []
    out = DetectionFile()
    for number, feature in enumerate(features, start=1):
        geometry = feature.get("geometry") or {}
        props = dict(feature.get("properties") or {})
        found = _columns([*props, "lat", "lon"], columns or {})
        try:
            if geometry.get("type") in ("Polygon", "MultiPolygon"):
                scene = props.get(found.get("scene_id", "scene_id"))
                if not scene:
                    raise ValueError("footprint without a scene id")
                out.footprints[str(scene)] = shape(geometry)
                continue
            if geometry.get("type") != "Point":
                raise ValueError(f"{geometry.get('type')} geometry")
            props["lon"], props["lat"] = geometry["coordinates"][:2]
            found["lat"], found["lon"] = "lat", "lon"
            if "time" not in found:
                raise ValueError("no time")
            t = _time(props[found["time"]])
            out.admit(_detection(props, found, f"{name}@{t:.0f}", number))
        except (ValueError, TypeError, KeyError) as exc:
            out.refused[_reason(exc)] += 1
    return out


def read_detections(
    text: str, name: str, columns: Mapping[str, str] | None = None
) -> DetectionFile:
    """Detections from a file's text, GeoJSON or CSV by its content."""
    if text.lstrip().startswith("{"):
        return read_geojson(text, name, columns)
    return read_csv(text, name, columns)


def read_footprints(text: str, name: str) -> dict[str, BaseGeometry]:
    """Scene footprints: GeoJSON polygons with a scene id, or CSV of scene id and WKT."""
    found = read_detections(text, name) if text.lstrip().startswith("{") else None
    if found is not None:
        return found.footprints
    reader = csv.DictReader(io.StringIO(text))
    columns = _columns(reader.fieldnames or [], {})
    if "scene_id" not in columns or "footprint" not in columns:
        raise ConfigError(f"{name}: footprints need a scene id column and a WKT column")
    footprints = {}
    for row in reader:
        try:
            footprints[row[columns["scene_id"]]] = shapely.from_wkt(row[columns["footprint"]])
        except shapely.errors.GEOSException as exc:
            raise ConfigError(f"{name}: bad footprint of {row[columns['scene_id']]}") from exc
    return footprints
