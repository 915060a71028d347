"""Positions and tracks out of mda: CSV, GeoJSON, Parquet, GeoParquet and OGC Moving Features
JSON.

Times are ISO 8601 UTC with a ``Z`` (milliseconds) everywhere but Parquet, which keeps them
typed. A track is cut into segments at its gaps and where the tracker cut it (the ``segment``
column the queries add; ``mda.store.track_shapes``), and no line or moving feature ever joins
two segments: interpolating across hours of silence would invent positions, and joining two
transmitters that share an MMSI would draw a ship zig-zagging between them. Fixes with a
suspect time (``time_quality``) are not drawn into lines or moving features, since their place
in the sequence is not known; points, CSV and Parquet keep them, with their ``time_quality``.

Every layer holds one geometry type, as GDAL and the formats it converts to (Shapefile, GeoPackage
layers) need: points are Points; lines are LineStrings, or all MultiLineStrings when one of them
crosses the antimeridian and is cut there (``mda.store.antimeridian``); a segment of a single fix
is a line of length zero (its place twice). A moving feature needs two instants (19-045r3's
schema, and MovingPandas), so single-fix segments are left out of MF-JSON (``single_fixes``
counts them; points, CSV and Parquet have them).

MF-JSON follows OGC 19-045r3 (Moving Features Encoding Extension - JSON 1.0): a
MovingFeatureCollection is encoded as a GeoJSON ``FeatureCollection`` and each
MovingFeature as a ``Feature`` with a ``temporalGeometry`` (``MovingPoint``, ``Linear``
interpolation) and ``temporalProperties`` (speed, course, heading). The bare type names
``MovingFeature``/``MovingFeatureCollection`` were those of the 2017 draft (OGC 16-140r1).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, Final, Literal, TypeAlias

import numpy as np
import polars as pl

from mda.errors import ConfigError
from mda.store.antimeridian import line_parts, parts_bbox
from mda.store.track_shapes import drawable, with_segments

ExportFormat: TypeAlias = Literal["table", "csv", "geojson", "parquet", "geoparquet", "mfjson"]
FORMATS: Final = ("table", "csv", "geojson", "parquet", "geoparquet", "mfjson")
ISO_Z: Final = "%Y-%m-%dT%H:%M:%S%.3fZ"

# Per-fix values carried along a moving feature: column, MF-JSON name, unit of measure
# (UN/CEFACT code or a URI, as 19-045r3 allows for a Measure's "form").
_TEMPORAL: Final = (
    ("sog", "speed_over_ground", "KNT"),
    ("cog", "course_over_ground", "http://qudt.org/vocab/unit/DEG"),
    ("heading", "heading", "http://qudt.org/vocab/unit/DEG"),
)
# Columns that describe a vessel, not a fix: properties of its features.
_IDENTITY: Final = ("shipname", "callsign", "imo", "ship_type", "flag")
_CRS: Final = {"type": "Name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
_TRS: Final = {
    "type": "Link",
    "properties": {
        "type": "OGCDEF",
        "href": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
    },
}


def plain_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Times as ISO strings, and 32-bit floats as the decimals they were written with
    (12.3 rather than 12.300000190734863), for text formats."""
    times = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            column = pl.col(name)
            utc = (
                column.dt.replace_time_zone("UTC")  # naive times are UTC in mda
                if dtype.time_zone is None
                else column.dt.convert_time_zone("UTC")
            )
            times.append(utc.dt.strftime(ISO_Z))
    return frame.with_columns(*times, pl.col(pl.Float32).cast(pl.String).cast(pl.Float64))


def to_csv(frame: pl.DataFrame) -> str:
    """CSV with a header line; empty cells for nulls."""
    return plain_columns(frame).write_csv()


def to_table(frame: pl.DataFrame, max_rows: int = 1000) -> str:
    """An aligned text table for a terminal (at most ``max_rows`` rows)."""
    with pl.Config(
        tbl_formatting="NOTHING",
        tbl_hide_column_data_types=True,
        tbl_hide_dataframe_shape=True,
        tbl_hide_dtype_separator=True,
        tbl_rows=max_rows,
        tbl_cols=-1,
        tbl_width_chars=1000,
        fmt_str_lengths=60,
    ):
        return str(plain_columns(frame.head(max_rows)))


def to_geojson(frame: pl.DataFrame, *, lines: bool = False) -> dict[str, Any]:
    """A FeatureCollection: one Point per position, or (``lines``) one line per vessel and
    segment (see ``line_features``)."""
    require(frame, ("lon", "lat"), "GeoJSON")
    if not lines:
        return {"type": "FeatureCollection", "features": list(_points(frame))}
    return {"type": "FeatureCollection", "features": line_features(frame)}


def line_features(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """One Feature per vessel and segment, its times in ``properties.times`` (one per fix:
    the vertices added where a line is cut at the antimeridian have none). All LineStrings, or
    all MultiLineStrings when one is cut; a single fix is a line of length zero. Fixes with a
    suspect time are left out."""
    segments = list(_segments(frame))
    geometries = _lines_layer([line_parts(s["coordinates"]) for s in segments])
    features = []
    for part, geometry in zip(segments, geometries, strict=True):
        times = part["times"]
        properties = {**part["properties"], "start": times[0], "end": times[-1],
                      "points": len(times), "times": times}  # fmt: skip
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return features


def single_fixes(frame: pl.DataFrame) -> int:
    """Segments of a single fix: those MF-JSON leaves out."""
    return sum(len(s["times"]) == 1 for s in _segments(frame))


def to_mfjson(frame: pl.DataFrame) -> dict[str, Any]:
    """An OGC MF-JSON MovingFeatureCollection: one MovingFeature per vessel and segment of two
    fixes or more (fixes with a suspect time are left out), its ``trajectory_id`` property
    the feature's id (MovingPandas: ``read_mf_json(path, traj_id_property="trajectory_id")``).

    A segment of a single fix is left out: 19-045r3's schema asks for two instants, and
    MovingPandas refuses a trajectory of one."""
    require(frame, ("lon", "lat", "time", "mmsi"), "MF-JSON")
    moving = [s for s in _segments(frame) if len(s["times"]) > 1]
    paths = [line_parts(s["coordinates"]) for s in moving]
    features: list[dict[str, Any]] = []
    for part, parts, geometry in zip(moving, paths, _lines_layer(paths), strict=True):
        coords, times = part["coordinates"], part["times"]
        temporal: dict[str, Any] = {"datetimes": times}
        for column, name, unit in _TEMPORAL:
            if column in part["values"]:
                temporal[name] = {
                    "type": "Measure",
                    "form": unit,
                    "values": part["values"][column],
                    "interpolation": "Linear",
                }
        identifier = f"{part['properties']['mmsi']}-{part['properties'].get('segment', 0)}"
        properties = {"trajectory_id": identifier, **part["properties"]}
        features.append(
            {
                "type": "Feature",
                "id": identifier,
                "properties": properties,
                "temporalGeometry": {
                    "type": "MovingPoint",
                    "coordinates": coords,
                    "datetimes": times,
                    "interpolation": "Linear",
                },
                "temporalProperties": [temporal],
                # The path as plain GeoJSON too, so GeoJSON readers draw it (as 19-045r3's
                # examples do).
                "geometry": geometry,
                "time": [times[0], times[-1]],
                "bbox": parts_bbox(parts),
            }
        )
    collection: dict[str, Any] = {"type": "FeatureCollection", "crs": _CRS, "trs": _TRS}
    if features:
        collection["time"] = [min(f["time"][0] for f in features),
                              max(f["time"][1] for f in features)]  # fmt: skip
        collection["bbox"] = parts_bbox([p for parts in paths for p in parts])
    collection["features"] = features
    return collection


def _lines_layer(paths: list[list[list[list[float]]]]) -> list[dict[str, Any]]:
    """Geometries of one type for paths given as ``line_parts``: LineStrings, or all
    MultiLineStrings when one path is cut at the antimeridian (as ogr2ogr's PROMOTE_TO_MULTI
    would; a layer mixing both is of no type to GDAL)."""
    if any(len(parts) > 1 for parts in paths):
        return [{"type": "MultiLineString", "coordinates": parts} for parts in paths]
    return [{"type": "LineString", "coordinates": parts[0]} for parts in paths]


def require(frame: pl.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{what} needs positions (no {', '.join(missing)} column)")


def _points(frame: pl.DataFrame) -> Iterator[dict[str, Any]]:
    plain = plain_columns(frame)
    for row in plain.iter_rows(named=True):
        lon, lat = row["lon"], row["lat"]
        point = None if lon is None or lat is None else {"type": "Point", "coordinates": [lon, lat]}
        properties = {k: v for k, v in row.items() if k not in ("lon", "lat")}
        yield {"type": "Feature", "geometry": point, "properties": properties}


def _segments(frame: pl.DataFrame) -> Iterator[dict[str, Any]]:
    """Each vessel's segments, in order: coordinates, ISO times, per-fix values and the
    properties common to the segment (with the tracker's ``track_segment`` when known)."""
    if "segment" not in frame.columns:
        frame = with_segments(frame, 1800.0)
    located = pl.col("lon").is_not_null() & pl.col("lat").is_not_null()
    frame = frame.filter(located & pl.col("segment").is_not_null() & drawable(frame))
    frame = plain_columns(frame.sort("mmsi", "segment", "time"))
    if not len(frame):
        return
    mmsi = frame["mmsi"].to_numpy()
    segment = frame["segment"].to_numpy()
    starts = np.flatnonzero(np.r_[True, (mmsi[1:] != mmsi[:-1]) | (segment[1:] != segment[:-1])])
    bounds = np.r_[starts, len(frame)].tolist()
    lon, lat, times = frame["lon"].to_list(), frame["lat"].to_list(), frame["time"].to_list()
    values = {c: frame[c].to_list() for c, _, _ in _TEMPORAL if c in frame.columns}
    identity = [c for c in _IDENTITY if c in frame.columns]
    tracked = frame["track_segment"].to_list() if "track_segment" in frame.columns else None
    for a, b in itertools.pairwise(bounds):
        properties: dict[str, Any] = {"mmsi": int(mmsi[a]), "segment": int(segment[a])}
        if tracked is not None:
            properties["track_segment"] = tracked[a]
        properties |= {c: frame[c][a] for c in identity}
        yield {
            "coordinates": [[x, y] for x, y in zip(lon[a:b], lat[a:b], strict=True)],
            "times": times[a:b],
            "values": {c: v[a:b] for c, v in values.items()},
            "properties": properties,
        }
