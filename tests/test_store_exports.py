"""Exports read back: CSV and Parquet by polars, GeoJSON and MF-JSON by json, checked against
the frame they came from (a real stored track, and synthetic ones with known gaps)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from mda.errors import ConfigError, MdaError
from mda.model import Position
from mda.store.exports import single_fixes, to_csv, to_geojson, to_mfjson
from mda.store.queries import Queries
from mda.store.render import render
from mda.store.track_shapes import with_segments
from tests.test_store_queries import (
    DAY_END,
    DAY_START,
    MSC_SCOTLAND,
    load_recording,
    synthetic_track,
)

ISO_Z = "%Y-%m-%dT%H:%M:%S%.3fZ"
SCHEMA = {
    "time": pl.Datetime("us", "UTC"),
    "mmsi": pl.Int32,
    "lat": pl.Float64,
    "lon": pl.Float64,
    "sog": pl.Float32,
    "cog": pl.Float32,
    "heading": pl.Int16,
}


def frame_of(fixes: list[Position], gap_s: float = 1800.0) -> pl.DataFrame:
    """Fixes as the queries return them (same columns and types)."""
    return with_segments(
        pl.DataFrame(
            {
                "time": [datetime.fromtimestamp(p.time or 0.0, UTC) for p in fixes],
                "mmsi": [p.mmsi for p in fixes],
                "lat": [p.lat for p in fixes],
                "lon": [p.lon for p in fixes],
                "sog": [p.sog for p in fixes],
                "cog": [p.cog for p in fixes],
                "heading": [p.heading for p in fixes],
            },
            schema=SCHEMA,
        ),
        gap_s,
    )


def with_gap() -> pl.DataFrame:
    """One vessel, 10 minutes, two hours of silence, 5 minutes; and another of one fix."""
    t0 = DAY_START.timestamp()
    before = synthetic_track(1001, t0, [(0.0, 10)], step_s=60)
    after = synthetic_track(1001, t0 + 3 * 3600, [(90.0, 5)], step_s=60)
    lone = synthetic_track(1002, t0, [(45.0, 1)], step_s=60)
    return frame_of(before + after + lone)


def parse_times(values: list[str]) -> list[datetime]:
    return pl.Series(values).str.to_datetime(ISO_Z, time_zone="UTC").to_list()


def test_every_format_reads_back_a_stored_track(database: str, tmp_path: Path) -> None:
    load_recording(database)
    with Queries(database) as queries:
        track = queries.track(MSC_SCOTLAND, DAY_START, DAY_END)
    assert track["segment"].n_unique() == 2

    csv = pl.read_csv(io.StringIO(render(track, "csv", None) or ""))
    assert csv.columns == track.columns and len(csv) == len(track)
    assert parse_times(csv["time"].to_list()) == track["time"].to_list()
    assert csv["sog"].cast(pl.Float32).equals(track["sog"], null_equal=True)

    render(track, "parquet", tmp_path / "track.parquet")
    assert pl.read_parquet(tmp_path / "track.parquet").equals(track)

    points = json.loads(render(track, "geojson", None) or "")
    assert len(points["features"]) == len(track)
    first = points["features"][0]
    assert first["geometry"]["coordinates"] == [track["lon"][0], track["lat"][0]]
    assert parse_times([first["properties"]["time"]]) == [track["time"][0]]

    render(track, "geojson", tmp_path / "lines.geojson", lines=True)
    lines = json.loads((tmp_path / "lines.geojson").read_text())["features"]
    assert [f["properties"]["segment"] for f in lines] == [0, 1]
    assert sum(f["properties"]["points"] for f in lines) == len(track)

    # One of the two segments is a single fix: MF-JSON leaves it out.
    moving = json.loads(render(track, "mfjson", None) or "")
    assert single_fixes(track) == 1 and len(moving["features"]) == 1
    instants = sum(len(f["temporalGeometry"]["datetimes"]) for f in moving["features"])
    assert instants == len(track) - 1


def test_lines_never_join_the_two_sides_of_a_gap() -> None:
    features = to_geojson(with_gap(), lines=True)["features"]
    shapes = [(f["properties"]["mmsi"], f["properties"]["segment"], f["geometry"]["type"],
               f["properties"]["points"]) for f in features]  # fmt: skip
    assert shapes == [
        (1001, 0, "LineString", 10),
        (1001, 1, "LineString", 5),
        (1002, 0, "LineString", 1),
    ]
    # A single fix is a line of length zero (its place twice): one geometry type per layer.
    lone = features[2]
    assert lone["properties"]["times"] == [lone["properties"]["start"]]
    place = lone["geometry"]["coordinates"][0]
    assert lone["geometry"]["coordinates"] == [place, place]


def test_line_times_are_kept_one_per_vertex_in_iso_utc() -> None:
    frame = with_gap()
    feature = to_geojson(frame, lines=True)["features"][1]
    times = feature["properties"]["times"]
    assert len(times) == len(feature["geometry"]["coordinates"]) == feature["properties"]["points"]
    assert times[0] == "2011-07-26T03:00:00.000Z" and times[-1] == "2011-07-26T03:04:00.000Z"
    assert (feature["properties"]["start"], feature["properties"]["end"]) == (times[0], times[-1])


def test_times_in_another_time_zone_are_written_in_utc() -> None:
    frame = with_gap().with_columns(pl.col("time").dt.convert_time_zone("Europe/Paris"))
    csv = pl.read_csv(io.StringIO(to_csv(frame)))
    assert csv["time"][0] == "2011-07-26T00:00:00.000Z"


def test_naive_times_are_taken_as_utc() -> None:
    frame = with_gap().with_columns(pl.col("time").dt.replace_time_zone(None))
    assert to_geojson(frame)["features"][0]["properties"]["time"] == "2011-07-26T00:00:00.000Z"


def test_decimals_stay_as_broadcast() -> None:
    frame = with_gap().with_columns(pl.lit(12.3, pl.Float32).alias("sog"))
    point = to_geojson(frame)["features"][0]["properties"]
    assert point["sog"] == 12.3
    assert "12.3," in to_csv(frame) and "12.30000" not in to_csv(frame)


def test_mfjson_is_a_moving_feature_collection_as_19_045r3_encodes_it() -> None:
    frame = with_gap()
    document = to_mfjson(frame)
    assert document["type"] == "FeatureCollection"
    assert document["crs"]["properties"]["name"] == "urn:ogc:def:crs:OGC:1.3:CRS84"
    assert document["trs"]["properties"]["href"].endswith("ISO-8601/0/Gregorian")
    assert document["time"] == ["2011-07-26T00:00:00.000Z", "2011-07-26T03:04:00.000Z"]
    west, south, east, north = document["bbox"]
    assert west <= frame["lon"].min() and east >= frame["lon"].max()  # type: ignore[operator]
    assert south <= frame["lat"].min() and north >= frame["lat"].max()  # type: ignore[operator]
    feature: dict[str, Any] = document["features"][0]
    assert feature["type"] == "Feature" and feature["id"] == "1001-0"
    geometry = feature["temporalGeometry"]
    assert geometry["type"] == "MovingPoint" and geometry["interpolation"] == "Linear"
    assert len(geometry["coordinates"]) == len(geometry["datetimes"]) == 10
    assert geometry["datetimes"] == sorted(set(geometry["datetimes"]))  # increasing, unique
    assert feature["time"] == [geometry["datetimes"][0], geometry["datetimes"][-1]]
    speed = feature["temporalProperties"][0]["speed_over_ground"]
    assert speed == {"type": "Measure", "form": "KNT", "values": [10.0] * 10,
                     "interpolation": "Linear"}  # fmt: skip
    assert feature["temporalProperties"][0]["datetimes"] == geometry["datetimes"]
    assert feature["properties"] == {"trajectory_id": "1001-0", "mmsi": 1001, "segment": 0}
    assert feature["geometry"] == {"type": "LineString", "coordinates": geometry["coordinates"]}


def test_mfjson_leaves_out_a_single_fix_and_says_how_many() -> None:
    frame = with_gap()
    assert [f["id"] for f in to_mfjson(frame)["features"]] == ["1001-0", "1001-1"]
    assert single_fixes(frame) == 1


def test_a_line_across_180_is_cut_there_and_the_layer_is_all_multilinestrings() -> None:
    t0 = DAY_START.timestamp()
    east = synthetic_track(1003, t0, [(90.0, 10)], start=(-17.0, 179.99), step_s=60)
    frame = frame_of([*east, *synthetic_track(1004, t0, [(0.0, 3)], step_s=60)])
    crossing, other = to_geojson(frame, lines=True)["features"]
    assert crossing["geometry"]["type"] == other["geometry"]["type"] == "MultiLineString"
    west_part, east_part = crossing["geometry"]["coordinates"]
    assert west_part[-1][0] == 180.0 and east_part[0][0] == -180.0
    assert west_part[-1][1] == east_part[0][1]  # cut where the leg meets 180
    assert all(x > 179 for x, _ in west_part) and all(x < -179 for x, _ in east_part)
    assert len(west_part) + len(east_part) == len(east) + 2  # the cut's two vertices
    moving = to_mfjson(frame)
    west, _, east_edge, _ = moving["features"][0]["bbox"]
    assert west > 179 and east_edge < -179  # a box across 180: west > east (RFC 7946, 5.2)


def test_an_empty_result_is_an_empty_collection() -> None:
    empty = with_gap().clear()
    assert to_geojson(empty, lines=True)["features"] == []
    assert to_mfjson(empty)["features"] == []
    assert to_csv(empty).splitlines() == [",".join(empty.columns)]


def test_parquet_needs_a_file_and_a_bad_path_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="parquet needs --out"):
        render(with_gap(), "parquet", None)
    with pytest.raises(MdaError, match="cannot write") as caught:
        render(with_gap(), "csv", tmp_path / "missing" / "track.csv")
    assert "\n" not in str(caught.value)


def test_geojson_needs_positions() -> None:
    with pytest.raises(ConfigError, match="GeoJSON needs positions"):
        to_geojson(pl.DataFrame({"hour": [1], "vessels": [2]}))
